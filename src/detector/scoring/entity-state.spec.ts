import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../platform/random.js';
import { EntityState } from './entity-state.js';
import { resolveOptions } from './options.js';

describe('EntityState training windows', () => {
  it('leaves windows that hold a flagged row out of the retraining data', () => {
    const w = 12;
    const options = resolveOptions({ autoencoder: { windowRows: w, trainRows: 200, trainStride: 1 } });
    const state = new EntityState('s', 1, options);
    const random = seededRandom(8);
    const SPIKE = 250;
    for (let i = 0; i < 300; i++) state.pending.push({ time: i * 60_000, values: [i === SPIKE ? 1000 : 10 + random()] });
    const results = state.scorePending(undefined);
    const flagged = results.flatMap((r, i) => (r.isAnomaly ? [i] : []));
    expect(flagged).toContain(SPIKE);

    // The last 200 rows are kept (rows 100..299); windows end at every row of them (stride 1).
    const first = 300 - 200;
    const ends = Array.from({ length: 200 - w + 1 }, (_, k) => first + w - 1 + k);
    const clean = ends.filter((end) => !flagged.some((f) => f > end - w && f <= end));
    expect(clean.length).toBeLessThan(ends.length);
    const batch = state.trainingWindows();
    expect(batch.count).toBe(clean.length);
    // None of them holds the spike (1000, far beyond the ±10 the normalisation clamps to).
    const values = Array.from(batch.windows.subarray(0, batch.count * w));
    expect(Math.max(...values.map(Math.abs))).toBeLessThan(10);
    // Newest window first: the latest clean window ends on the last row and holds rows 288..299.
    expect(clean.at(-1)).toBe(299);
  });

  it('uses every window when most recent rows were flagged (a new normal)', () => {
    const w = 12;
    const options = resolveOptions({ autoencoder: { windowRows: w, trainRows: 200, trainStride: 1 } });
    const state = new EntityState('s', 1, options);
    const random = seededRandom(8);
    // Every 10th row jumps far away, from row 160 on: most windows of the last 200 rows hold one.
    for (let i = 0; i < 300; i++) state.pending.push({ time: i * 60_000, values: [10 + random() + (i >= 160 && i % 10 === 0 ? 500 : 0)] });
    const results = state.scorePending(undefined);
    expect(results.filter((r) => r.isAnomaly).length).toBeGreaterThan(5);
    expect(state.trainingWindows().count).toBe(200 - w + 1);
  });
});
