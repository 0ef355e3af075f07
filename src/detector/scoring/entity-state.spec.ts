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

  it('a near miss damps the rows after it but does not hide an alarm; an alarm hides its repeats', () => {
    const options = resolveOptions({ autoencoder: { enabled: false } });
    const series = (seed: number, faults: Map<number, number>) => {
      const random = seededRandom(seed);
      return Array.from({ length: 1000 }, (_, i) => ({ time: i * 60_000, values: [10 + random() + (faults.get(i) ?? 0)] }));
    };
    const score = (rows: ReturnType<typeof series>) => {
      const state = new EntityState('s', 1, options);
      state.pending.push(...rows);
      return state.scorePending(undefined);
    };
    // Plain noise: the first seed whose series has a near miss (rare enough to start a
    // suppression period, not an alarm) well before its end.
    const found = Array.from({ length: 30 }, (_, seed) => seed + 1)
      .map((seed) => ({ seed, at: score(series(seed, new Map())).findIndex((r, i) => i >= options.warmupRows && i < 800 && r.pValue < options.suppressRisk && !r.isAnomaly) }))
      .find((c) => c.at > 0);
    expect(found).toBeDefined();
    const { seed, at } = found!;
    const fault = at + 50;
    const events = (faults: Map<number, number>) => score(series(seed, faults)).flatMap((r, i) => (r.score >= r.threshold ? [i] : []));
    // A fault 50 rows after the near miss, inside its suppression period, is published.
    expect(events(new Map([[fault, 1e3]]))).toContain(fault);
    // A second fault within an alarm's suppression period is not.
    expect(events(new Map([[fault, 1e3], [fault + 40, 1e3]]))).not.toContain(fault + 40);
  });
});
