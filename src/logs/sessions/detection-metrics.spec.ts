import { describe, expect, it } from 'vitest';
import { scoreDetections, scoreScaled } from './detection-metrics.js';

describe('session detection scores', () => {
  it('computes precision, recall and F1 from session counts', () => {
    // 90 of 100 anomalous sessions flagged, 10 normal sessions flagged.
    const s = scoreDetections(90, 100, 10);
    expect(s).toMatchObject({ truePositives: 90, falseNegatives: 10, falsePositives: 10 });
    expect(s.precision).toBeCloseTo(0.9, 12);
    expect(s.recall).toBeCloseTo(0.9, 12);
    expect(s.f1).toBeCloseTo(0.9, 12);
  });

  it('scales false positives to the full normal set', () => {
    // 5 false positives on a 1% sample stand for 500 on the full set.
    const s = scoreScaled(900, 1000, 5, 100);
    expect(s.falsePositives).toBe(500);
    expect(s.precision).toBeCloseTo(900 / 1400, 12);
    expect(s.f1).toBeCloseTo((2 * (900 / 1400) * 0.9) / (900 / 1400 + 0.9), 12);
  });

  it('is zero rather than NaN when nothing is flagged', () => {
    expect(scoreDetections(0, 10, 0)).toMatchObject({ precision: 0, recall: 0, f1: 0 });
  });
});
