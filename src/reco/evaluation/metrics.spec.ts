import { describe, expect, it } from 'vitest';
import { MetricsAccumulator, userMetrics } from './metrics.js';

describe('userMetrics', () => {
  it('scores a list with hits at ranks 1 and 3 of 4, three relevant items', () => {
    // hits at ranks 1, 3: DCG = 1 + 1/log2(4) = 1.5; ideal (3 hits) = 1 + 1/log2(3) + 1/2
    const m = userMetrics(['a', 'b', 'c', 'd'], new Set(['a', 'c', 'e']), 4);
    expect(m.precision_at_k).toBeCloseTo(0.5, 12);
    expect(m.recall_at_k).toBeCloseTo(2 / 3, 12);
    expect(m.ndcg_at_k).toBeCloseTo(1.5 / (1.5 + 1 / Math.log2(3)), 12);
    expect(m.map_at_k).toBeCloseTo((1 / 1 + 2 / 3) / 3, 12);
  });

  it('gives 1 everywhere for a perfect list and 0 for a list with no hits', () => {
    expect(userMetrics(['x', 'y'], new Set(['x', 'y']), 2)).toEqual({ precision_at_k: 1, recall_at_k: 1, ndcg_at_k: 1, map_at_k: 1 });
    expect(userMetrics(['p', 'q'], new Set(['x']), 2)).toEqual({ precision_at_k: 0, recall_at_k: 0, ndcg_at_k: 0, map_at_k: 0 });
  });

  it('divides precision by k even when the list is shorter, and caps the ideal at min(k, relevant)', () => {
    const m = userMetrics(['x'], new Set(['x']), 5);
    expect(m.precision_at_k).toBeCloseTo(0.2, 12);
    expect(m.ndcg_at_k).toBeCloseTo(1, 12);
    expect(m.map_at_k).toBeCloseTo(1, 12);
  });

  it('only looks at the first k items', () => {
    const m = userMetrics(['a', 'b', 'x'], new Set(['x']), 2);
    expect(m.precision_at_k).toBe(0);
  });

  it('refuses a user with nothing relevant', () => {
    expect(() => userMetrics(['a'], new Set(), 1)).toThrow();
  });
});

describe('MetricsAccumulator', () => {
  it('averages over users', () => {
    const acc = new MetricsAccumulator();
    acc.add({ precision_at_k: 1, recall_at_k: 0.5, ndcg_at_k: 1, map_at_k: 1 });
    acc.add({ precision_at_k: 0, recall_at_k: 0, ndcg_at_k: 0, map_at_k: 0 });
    expect(acc.users).toBe(2);
    expect(acc.mean()).toEqual({ precision_at_k: 0.5, recall_at_k: 0.25, ndcg_at_k: 0.5, map_at_k: 0.5 });
  });
});
