import { describe, expect, it } from 'vitest';
import { topK } from './top-k.js';

describe('topK', () => {
  it('returns the k best indices, best first, lower index first on ties', () => {
    expect(topK([0.1, 0.9, 0.5, 0.9, -1], 3)).toEqual([1, 3, 2]);
  });

  it('skips excluded and non-finite scores and returns fewer when it runs out', () => {
    expect(topK([3, Number.NaN, 2, Number.NEGATIVE_INFINITY, 1], 5, (i) => i === 0)).toEqual([2, 4]);
    expect(topK([1, 2], 0)).toEqual([]);
  });

  it('matches a full sort on random scores', () => {
    const scores = Array.from({ length: 500 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const sorted = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, i]) => i);
    expect(topK(scores, 25)).toEqual(sorted.slice(0, 25));
  });
});
