import { describe, expect, it, vi } from 'vitest';
import { IntervalCommits, type CommitOffsets } from './interval-commits.js';

describe('IntervalCommits', () => {
  const recorder = () => {
    const calls: Array<Parameters<CommitOffsets>[0]> = [];
    const commit: CommitOffsets = async (o) => void calls.push(o);
    return { calls, commit };
  };

  it('commits the furthest offset noted per partition, in one request per flush, and nothing when nothing is new', async () => {
    const { calls, commit } = recorder();
    const c = new IntervalCommits(() => commit, 60_000, (e) => { throw e; });
    c.note('t', 0, '5');
    c.note('t', 0, '9');
    c.note('t', 0, '7');
    c.note('t', 3, '2');
    c.note('u', 1, '4');
    await c.flush();
    await c.flush();
    expect(calls).toEqual([
      { topics: [{ topic: 't', partitions: [{ partition: 0, offset: '9' }, { partition: 3, offset: '2' }] }, { topic: 'u', partitions: [{ partition: 1, offset: '4' }] }] },
    ]);
    await c.close();
  });

  it('drops what was noted before a rebalance, reports a failed commit, and commits the rest on close', async () => {
    const { calls, commit } = recorder();
    const errors: string[] = [];
    let fail = false;
    const c = new IntervalCommits(() => (fail ? async () => Promise.reject(new Error('rebalancing')) : commit), 60_000, (e) => errors.push(e.message));
    c.note('t', 0, '5');
    c.drop();
    fail = true;
    c.note('t', 1, '6');
    await c.flush();
    expect(errors).toEqual(['rebalancing']);
    fail = false;
    c.note('t', 2, '8');
    await c.close();
    expect(calls).toEqual([{ topics: [{ topic: 't', partitions: [{ partition: 2, offset: '8' }] }] }]);
  });

  it('commits on its timer', async () => {
    vi.useFakeTimers();
    try {
      const { calls, commit } = recorder();
      const c = new IntervalCommits(() => commit, 20, () => {});
      c.note('t', 0, '1');
      await vi.advanceTimersByTimeAsync(19);
      expect(calls).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls).toHaveLength(1);
      c.note('t', 0, '2');
      await vi.advanceTimersByTimeAsync(20);
      expect(calls.map((o) => o.topics[0]!.partitions[0]!.offset)).toEqual(['1', '2']);
      await c.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
