import { join } from 'node:path';
import type { MinerSnapshot } from '../mining/types.js';
import { writeAtomically } from './atomic-write.js';
import { readStored } from './read-stored.js';

/** What is on disk: the miner's state and the version it had when written. */
export interface StoredTemplates {
  format: 'vigil.log-template-store';
  /** Increases whenever a template was created, generalised or evicted; never reused. */
  version: number;
  savedAt: string;
  miner: MinerSnapshot;
}

const FILE = 'templates.json';

/**
 * The template miner's state in one directory (LOGS_TEMPLATE_DIR). A save writes a temporary
 * file, flushes it and renames it over `templates.json`: a crash mid-write leaves the previous
 * version whole, never half a file. One process owns the directory at a time.
 */
export class TemplateStore {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = join(dir, FILE);
  }

  async save(version: number, miner: MinerSnapshot): Promise<void> {
    const body: StoredTemplates = { format: 'vigil.log-template-store', version, savedAt: new Date().toISOString(), miner };
    await writeAtomically(this.dir, FILE, JSON.stringify(body));
  }

  /** The stored state, or undefined when there is none yet. A damaged file is an error, not a fresh start. */
  async load(): Promise<StoredTemplates | undefined> {
    const body = await readStored<StoredTemplates>(this.file, 'vigil.log-template-store', 'a vigil log-template store');
    if (!body) return undefined;
    if (!Number.isInteger(body.version) || body.version < 0) throw new Error(`${this.file}: bad version ${String(body.version)}`);
    return body;
  }
}
