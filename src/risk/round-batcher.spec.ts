import { describe, expect, it } from 'vitest';
import { RoundBatcher } from './round-batcher.js';

describe('RoundBatcher', () => {
  it('runs the calls of one event-loop turn as one, each caller getting its own slice back in order', async () => {
    const runs: number[][] = [];
    const b = new RoundBatcher<number, string>((items) => {
      runs.push(items);
      return items.map((i) => `s${i}`);
    });
    // As partition batches arrive: separate promise chains, some after a few microtasks.
    const calls = [b.add([1, 2]), Promise.resolve().then(() => b.add([3])), b.add([4, 5, 6])];
    expect(await Promise.all(calls)).toEqual([['s1', 's2'], ['s3'], ['s4', 's5', 's6']]);
    expect(runs).toEqual([[1, 2, 4, 5, 6, 3]]);
    // A later turn is a new run.
    expect(await b.add([7])).toEqual(['s7']);
    expect(runs).toHaveLength(2);
  });

  it('when the joint run throws, runs each caller alone so only the bad one fails', async () => {
    const b = new RoundBatcher<number, number>((items) => {
      if (items.includes(-1)) throw new Error('bad input');
      return items.map((i) => i * 10);
    });
    const [good, bad, other] = await Promise.allSettled([b.add([1]), b.add([2, -1]), b.add([3])]);
    expect(good).toEqual({ status: 'fulfilled', value: [10] });
    expect(bad).toMatchObject({ status: 'rejected', reason: new Error('bad input') });
    expect(other).toEqual({ status: 'fulfilled', value: [30] });
  });
});
