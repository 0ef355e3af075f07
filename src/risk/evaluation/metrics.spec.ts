import { describe, expect, it } from 'vitest';
import { averagePrecision, cardPrecisionAtK, rocAuc } from './metrics.js';

describe('rocAuc', () => {
  it('counts correctly ordered positive/negative pairs', () => {
    // Pairs: 0.9>0.8, 0.9>0.3, 0.4>0.3 right; 0.4<0.8 wrong -> 3/4.
    expect(rocAuc([1, 0, 1, 0], [0.9, 0.8, 0.4, 0.3])).toBe(0.75);
    expect(rocAuc([1, 1, 0], [0.9, 0.8, 0.1])).toBe(1);
    expect(rocAuc([0, 1], [0.9, 0.1])).toBe(0);
  });

  it('counts ties as half and is undefined with one class only', () => {
    expect(rocAuc([1, 0], [0.5, 0.5])).toBe(0.5);
    expect(rocAuc([1, 0, 0], [0.7, 0.7, 0.1])).toBe(0.75);
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
  });
});

describe('averagePrecision', () => {
  it('sums precision at each recall step', () => {
    // Ranked: 1 (P=1, R=.5), 0, 1 (P=2/3, R=1) -> .5*1 + .5*2/3.
    expect(averagePrecision([1, 0, 1, 0], [0.9, 0.8, 0.4, 0.3])).toBeCloseTo(0.5 + 1 / 3, 12);
    expect(averagePrecision([0, 1], [0.9, 0.1])).toBe(0.5);
  });

  it('treats a tie as one threshold, like sklearn', () => {
    expect(averagePrecision([1, 0], [0.5, 0.5])).toBe(0.5);
    // Threshold .9: P=1 R=1/2; threshold .5 (two rows, one fraud): P=2/3 R=1.
    expect(averagePrecision([1, 1, 0], [0.9, 0.5, 0.5])).toBeCloseTo(0.5 + 1 / 3, 12);
  });
});

describe('cardPrecisionAtK', () => {
  it('ranks cards by their highest score of the day and drops cards caught on earlier days', () => {
    const rows = [
      // day 0: A is fraudulent through a low-scored transaction; its max score is 0.9.
      { day: 0, customer: 'A', score: 0.9, label: 0 },
      { day: 0, customer: 'A', score: 0.2, label: 1 },
      { day: 0, customer: 'B', score: 0.8, label: 0 },
      { day: 0, customer: 'C', score: 0.1, label: 1 },
      // day 1: A (already caught) would top the list again; it is removed, C and D are the alerts.
      { day: 1, customer: 'A', score: 0.95, label: 1 },
      { day: 1, customer: 'B', score: 0.2, label: 0 },
      { day: 1, customer: 'C', score: 0.7, label: 1 },
      { day: 1, customer: 'D', score: 0.6, label: 0 },
    ];
    const result = cardPrecisionAtK(
      { day: rows.map((r) => r.day), customer: rows.map((r) => r.customer), score: rows.map((r) => r.score), label: rows.map((r) => r.label) },
      2,
    );
    expect([...result.perDay]).toEqual([
      [0, 0.5],
      [1, 0.5],
    ]);
    expect(result.mean).toBe(0.5);
  });

  it('divides by k even on a day with fewer cards', () => {
    const result = cardPrecisionAtK({ day: [3], customer: ['A'], score: [0.5], label: [1] }, 100);
    expect(result.mean).toBe(0.01);
  });
});
