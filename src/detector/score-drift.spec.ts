import { describe, expect, it } from 'vitest';
import { seededRandom } from '../platform/random.js';
import { MIN_ROWS, ScoreDrift, psi } from './score-drift.js';

describe('psi', () => {
  it('is 0 for the same distribution and grows as the distributions part', () => {
    expect(psi([10, 20, 30], [1, 2, 3])).toBeCloseTo(0, 12);
    const small = psi([25, 25, 25, 25], [30, 25, 25, 20]);
    const large = psi([25, 25, 25, 25], [70, 10, 10, 10]);
    expect(small).toBeGreaterThan(0);
    expect(small).toBeLessThan(0.1);
    expect(large).toBeGreaterThan(0.25);
  });

  it('stays finite when a bin is empty on one side', () => {
    expect(Number.isFinite(psi([10, 0], [0, 10]))).toBe(true);
  });
});

describe('ScoreDrift', () => {
  it('reports nothing before enough rows, then compares recent scores with the long run', () => {
    const rand = seededRandom(3);
    const drift = new ScoreDrift();
    for (let i = 0; i < MIN_ROWS - 1; i++) drift.observe('h', rand()); // uniform p-values: a calibrated model
    expect(drift.psi('h')).toBeUndefined();
    for (let i = 0; i < 2000; i++) drift.observe('h', rand());
    expect(drift.psi('h')!).toBeLessThan(0.1);

    // The entity's data moves: every row is now unusual under its history.
    for (let i = 0; i < 500; i++) drift.observe('h', rand() * 1e-3);
    expect(drift.psi('h')!).toBeGreaterThan(0.25);

    // Calibrated again (the history absorbed the new normal): the recent scores settle and the
    // long run follows.
    for (let i = 0; i < 60_000; i++) drift.observe('h', rand());
    expect(drift.psi('h')!).toBeLessThan(0.1);
    drift.forget('h');
    expect(drift.psi('h')).toBeUndefined();
  });
});
