import { join } from 'node:path';
import { DeepLogDetector, type DeepLogExport, type DeepLogOptions } from '../sessions/deeplog-detector.js';
import { KeyPairs } from '../sessions/key-pairs.js';
import { writeAtomically } from './atomic-write.js';
import { readStored } from './read-stored.js';

const FILE = 'lstm.json';

interface StoredLstm {
  format: 'vigil.log-lstm';
  version: number;
  savedAt: string;
  keys: string[];
  options: DeepLogDetector['options'];
  specs: Awaited<ReturnType<DeepLogDetector['export']>>['specs'];
  /** The weights, base64: the model is small (tens of keys, one layer of 64). */
  weights: string;
  /** Template pairs of the training sessions (files written before they existed lack them). */
  keyPairs?: ReturnType<KeyPairs['toJSON']>;
}

/**
 * The next-template LSTM beside the templates whose event keys it predicts (same directory,
 * `lstm.json`, written atomically), so a restarted service scores at once instead of starting
 * cold. Written after each training.
 */
export class LstmStore {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = join(dir, FILE);
  }

  async save(version: number, exported: DeepLogExport | Promise<DeepLogExport>, pairs?: KeyPairs): Promise<void> {
    const e = await exported;
    const body: StoredLstm = {
      format: 'vigil.log-lstm',
      version,
      savedAt: new Date().toISOString(),
      keys: e.keys,
      options: e.options,
      specs: e.specs,
      weights: Buffer.from(e.weights).toString('base64'),
      ...(pairs ? { keyPairs: pairs.toJSON() } : {}),
    };
    await writeAtomically(this.dir, FILE, JSON.stringify(body));
  }

  /** The stored model (judging by `rule`), its version and its template pairs, or undefined when there is none. */
  async load(rule: Partial<Pick<DeepLogOptions, 'topG' | 'minProbability' | 'rule'>> = {}): Promise<{ version: number; detector: DeepLogDetector; pairs?: KeyPairs } | undefined> {
    const body = await readStored<StoredLstm>(this.file, 'vigil.log-lstm', 'a vigil log LSTM');
    if (!body) return undefined;
    const weights = new Uint8Array(Buffer.from(body.weights, 'base64'));
    const pairs = body.keyPairs ? KeyPairs.fromJSON(body.keyPairs) : undefined;
    return { version: body.version, detector: DeepLogDetector.restore({ keys: body.keys, options: body.options, specs: body.specs, weights }, rule), ...(pairs ? { pairs } : {}) };
  }
}
