import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../platform/ml/backend.js';
import { FEATURE_COUNT, FEATURE_INDEX } from '../features/feature-names.js';
import { seededRandom } from '../../platform/random.js';
import { RiskModel } from './risk-model.js';

/** Synthetic rows of noise where only the terminal's fraud rate tells frauds apart. */
function synthetic(n: number) {
  const random = seededRandom(1);
  const rows = new Float32Array(n * FEATURE_COUNT).map(() => random());
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = random() < 0.3 ? 1 : 0;
    rows[i * FEATURE_COUNT + FEATURE_INDEX.term_fraud_rate_7d] = labels[i] ? 0.8 + 0.2 * random() : 0.2 * random();
  }
  return { rows, labels };
}

describe('RiskModel', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend(() => {});
    dir = await mkdtemp(join(tmpdir(), 'risk-model-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('learns, explains with the driving feature, and scores the same after save and load', async () => {
    const { rows, labels } = synthetic(2000);
    const model = await RiskModel.train(rows, labels, 2000, { kind: 'logistic', hidden: [], epochs: 30, batchSize: 128, learningRate: 0.05, seed: 3 });
    const probe = rows.slice(0, 20 * FEATURE_COUNT);
    const { scores, contributions } = model.explain(probe, 20);
    for (let i = 0; i < 20; i++) expect(scores[i]! > 0.5).toBe(labels[i] === 1);
    // For a fraud row the top contribution is the feature that decides the label.
    const fraudRow = labels.indexOf(1);
    expect(fraudRow).toBeLessThan(20);
    const c = Array.from(contributions.subarray(fraudRow * FEATURE_COUNT, (fraudRow + 1) * FEATURE_COUNT));
    expect(c.indexOf(Math.max(...c))).toBe(FEATURE_INDEX.term_fraud_rate_7d);

    await model.save(dir);
    const loaded = await RiskModel.load(dir);
    expect(Array.from(loaded.score(probe, 20))).toEqual(Array.from(model.score(probe, 20)));
    expect(loaded.metadata).toMatchObject({ kind: 'logistic', trainedRows: 2000 });
    model.dispose();
    loaded.dispose();
  });
});
