import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../platform/ml/backend.js';
import { seededRandom } from '../../platform/random.js';
import type { HandlerContext, InRecord } from '../../platform/stage/types.js';
import { FEATURE_COUNT } from '../features/feature-names.js';
import { modelVersion } from '../model/model-version.js';
import { RiskModel, type ModelTrainingOptions } from '../model/risk-model.js';
import { RiskScorer } from '../risk-scorer.js';
import { RISK_TOPICS } from '../risk.options.js';
import { RiskService, type ScoreMessage, type TransactionMessage } from '../risk.service.js';
import { parseRiskRules } from '../rules/load-rules.js';
import type { RetrainOptions } from './retrain-options.js';
import { Retrainer } from './retrainer.js';
import { TrainingSet } from './training-set.js';

/**
 * Synthetic but honest rows: uniform noise, where the chance of fraud rises with the first two
 * features (about 12% frauds). `noise` draws the labels independently of the features instead:
 * a label feed that says nothing.
 */
function rows(n: number, seed: number, noise = false) {
  const random = seededRandom(seed);
  const x = new Float32Array(n * FEATURE_COUNT).map(() => random());
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const logit = 6 * x[i * FEATURE_COUNT]! + 4 * x[i * FEATURE_COUNT + 1]! - 8;
    y[i] = random() < (noise ? 0.12 : 1 / (1 + Math.exp(-logit))) ? 1 : 0;
  }
  return { x, y, n };
}

const LOGISTIC: ModelTrainingOptions = { kind: 'logistic', hidden: [], epochs: 15, batchSize: 128, learningRate: 0.05, seed: 3 };
const OPTIONS: RetrainOptions = { intervalMs: 0, minRows: 1000, minFrauds: 50, holdoutFraction: 0.2, maxLabelled: 100_000, maxPending: 100_000 };

/** Feeds rows in as the service would: scored at time i, then the label usable. */
function fill(set: TrainingSet, parts: Array<ReturnType<typeof rows>>): void {
  let t = 0;
  for (const { x, y, n } of parts) {
    for (let i = 0; i < n; i++, t++) {
      const tx = { id: `tx${t}`, time: t, customerId: 'c', terminalId: 't', amount: 1 };
      set.scored(tx, x.slice(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT));
      set.labelUsable({ transactionId: tx.id, customerId: 'c', terminalId: 't', fraud: y[i] === 1, availableAt: t });
    }
  }
}

async function serviceWith(current: ReturnType<typeof rows>, dir: string) {
  const model = await RiskModel.train(current.x, current.y, current.n, LOGISTIC);
  await model.save(dir);
  const version = await modelVersion(dir, model);
  return new RiskService(new RiskScorer(model, parseRiskRules([])), { topics: { ...RISK_TOPICS }, labelDelayMs: 0, currencies: undefined }, version);
}

const ctx: HandlerContext = { heartbeat: async () => {}, isRunning: () => true, reject: () => {} };
const txRecord: InRecord<TransactionMessage> = {
  topic: RISK_TOPICS.transactions, partition: 0, offset: '1', key: 'c', headers: {}, timestamp: 1, trace: undefined as never,
  value: { transaction_id: 'probe', timestamp: 1, customer_id: 'c', terminal_id: 't', amount: 1 },
};

describe('Retrainer', () => {
  let root: string;
  beforeAll(async () => {
    await initBackend(() => {});
    root = await mkdtemp(join(tmpdir(), 'risk-retrain-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('keeps the current model when the candidate is worse on the holdout', async () => {
    const dir = join(root, 'kept');
    const service = await serviceWith(rows(4000, 1), dir);
    const before = service.modelVersion;
    const files = await readFile(join(dir, 'weights.bin'));
    // Labels that say nothing for the older 80%, true ones for the latest 20% (the holdout).
    const set = new TrainingSet({ maxPending: 100_000, maxLabelled: 100_000 });
    fill(set, [rows(4000, 2, true), rows(1000, 3)]);
    const result = await new Retrainer(service, set, OPTIONS, dir, () => {}).retrainOnce();
    expect(result.outcome).toBe('kept');
    expect(result.candidateAp!).toBeLessThan(result.currentAp!);
    expect(result.message).toMatch(/^retrain kept logistic-\w{12}: holdout AP candidate 0\.\d{4} vs current 0\.\d{4} on the latest 1000 rows/);
    expect(service.modelVersion).toBe(before);
    expect(await readFile(join(dir, 'weights.bin'))).toEqual(files);
  });

  it('promotes a candidate that is better on the holdout, saves it, and the scores carry its version', async () => {
    const dir = join(root, 'promoted');
    const service = await serviceWith(rows(4000, 4, true), dir); // a model trained on labels that say nothing
    const before = service.modelVersion;
    const set = new TrainingSet({ maxPending: 100_000, maxLabelled: 100_000 });
    fill(set, [rows(5000, 5)]);
    const result = await new Retrainer(service, set, OPTIONS, dir, () => {}).retrainOnce();
    expect(result.outcome).toBe('promoted');
    expect(result.candidateAp!).toBeGreaterThan(result.currentAp!);
    expect(result.version).toMatch(/^logistic-\w{12}$/);
    expect(result.version).not.toBe(before);
    expect(service.modelVersion).toBe(result.version);
    const [score] = await service.handle([txRecord], ctx);
    expect((score!.value as ScoreMessage).model_version).toBe(result.version);
    // A restart loads the promoted model from the directory, with the same version.
    const reloaded = await RiskModel.load(dir);
    expect(await modelVersion(dir, reloaded)).toBe(result.version);
    expect(reloaded.metadata).toMatchObject({ kind: 'logistic', trainedRows: 4000, provenance: { source: 'retrain', previousVersion: before } });
    reloaded.dispose();
  });

  it('skips a run without enough labelled rows or frauds', async () => {
    const dir = join(root, 'skipped');
    const service = await serviceWith(rows(2000, 6), dir);
    const set = new TrainingSet({ maxPending: 100, maxLabelled: 100 });
    fill(set, [rows(500, 7)]);
    const result = await new Retrainer(service, set, OPTIONS, dir, () => {}).retrainOnce();
    expect(result).toMatchObject({ outcome: 'skipped', version: service.modelVersion });
    expect(result.message).toMatch(/100 labelled rows with \d+ frauds, need 1000 and 50/);
  });

  it('abandons a run in progress on stop: stop does not wait, and the run ends at its next yield', async () => {
    const dir = join(root, 'stopped');
    const service = await serviceWith(rows(2000, 8), dir);
    const before = service.modelVersion;
    const set = new TrainingSet({ maxPending: 100_000, maxLabelled: 100_000 });
    fill(set, [rows(20_000, 9)]);
    // The candidate copies the current model's saved configuration: 200 epochs of 125 batches
    // keeps it training well past the stop.
    (service.scorer.model!.metadata.provenance as Record<string, unknown>).options = { ...LOGISTIC, epochs: 200 };
    // The real training, with its batches counted: progress is observed, not timed.
    let batches = 0;
    const train = RiskModel.train.bind(RiskModel);
    const spy = vi.spyOn(RiskModel, 'train').mockImplementation((x, y, n, options, provenance) =>
      train(x, y, n, options && { ...options, afterBatch: async () => void (batches++, await options.afterBatch?.()) }, provenance),
    );
    try {
      const retrainer = new Retrainer(service, set, { ...OPTIONS, minRows: 10_000 }, dir, () => {});
      let done = false;
      const run = retrainer.retrainOnce().finally(() => (done = true));
      await expect.poll(() => batches, { timeout: 60_000 }).toBeGreaterThan(0);
      expect(done).toBe(false);
      expect(retrainer.stop()).toBeUndefined(); // nothing to wait for
      const atStop = batches;
      const ended = await run;
      expect(ended.outcome).toBe('abandoned');
      // At most the batch in hand finishes; the rest of the 25,000 is never trained.
      expect(batches - atStop).toBeLessThanOrEqual(1);
      expect(service.modelVersion).toBe(before);
    } finally {
      spy.mockRestore();
    }
  });
});
