import { describe, expect, it } from 'vitest';
import { Accuracy, maseScale, seasonalNaive, smapeTerm } from './metrics.js';

describe('forecast accuracy', () => {
  it('MASE: mean |error| over the in-sample one-step naive MAE, worked by hand', () => {
    // In-sample 1, 3, 2, 4: one-step changes 2, 1, 2 → scale 5/3.
    const scale = maseScale([1, 3, 2, 4], 0, 4);
    expect(scale).toBeCloseTo(5 / 3, 12);
    const a = new Accuracy(scale);
    a.add(5, 4); // |e| 1
    a.add(6, 8); // |e| 2
    // mean |e| = 1.5 → MASE 1.5 / (5/3) = 0.9
    expect(a.mase).toBeCloseTo(0.9, 12);
    expect(a.count).toBe(2);
  });

  it('sMAPE: 200 · |F − A| / (|A| + |F|), averaged, zero when both are zero', () => {
    expect(smapeTerm(100, 110)).toBeCloseTo((200 * 10) / 210, 12);
    expect(smapeTerm(0, 0)).toBe(0);
    expect(smapeTerm(0, 5)).toBe(200);
    const a = new Accuracy(1);
    a.add(100, 110);
    a.add(50, 50);
    expect(a.sMape).toBeCloseTo((200 * 10) / 210 / 2, 12);
  });

  it('a flat in-sample period does not divide by zero', () => {
    expect(maseScale([2, 2, 2], 0, 3)).toBe(1);
  });

  it('seasonal naive repeats the value one season back; without a season, the last value', () => {
    const v = [10, 20, 30, 11, 21, 31, 12];
    // Origin t=5, season 3: t+1 → v[3], t+2 → v[4]; t+4 is beyond one season: two back, v[5 + 4 - 6] = v[3].
    expect(seasonalNaive(v, 5, 1, 3)).toBe(11);
    expect(seasonalNaive(v, 5, 2, 3)).toBe(21);
    expect(seasonalNaive(v, 5, 4, 3)).toBe(11);
    expect(seasonalNaive(v, 5, 2, 0)).toBe(31);
  });
});
