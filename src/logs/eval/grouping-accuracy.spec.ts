import { describe, expect, it } from 'vitest';
import { groupingAccuracy } from './grouping-accuracy.js';

describe('groupingAccuracy', () => {
  it('counts a line only when its predicted group is exactly its true group', () => {
    // Truth: A = {0,1,2}, B = {3,4}, C = {5}, D = {6,7}.
    const truth = ['A', 'A', 'A', 'B', 'B', 'C', 'D', 'D'];
    // Predicted: x = {0,1,2} (= A, 3 right); y = {3,4,5} (B and C merged, 0 right);
    // z = {6}, w = {7} (D split, 0 right).
    const predicted = ['x', 'x', 'x', 'y', 'y', 'y', 'z', 'w'];
    expect(groupingAccuracy(truth, predicted)).toBeCloseTo(3 / 8, 12);
  });

  it('ignores label names: only the partition matters', () => {
    expect(groupingAccuracy(['a', 'b', 'a'], [7, 3, 7])).toBe(1);
    expect(groupingAccuracy(['a', 'a', 'a'], [1, 2, 3])).toBe(0);
    expect(groupingAccuracy([], [])).toBe(1);
  });

  it('rejects label lists of different lengths', () => {
    expect(() => groupingAccuracy(['a'], [])).toThrow(/differ/);
  });
});
