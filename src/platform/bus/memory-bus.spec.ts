import { describe, expect, it } from 'vitest';
import { MemoryBus } from './memory-bus.js';
import { partitionForKey } from './partitioner.js';
import type { BusBatch } from './types.js';
import { until } from '../../../test/support/until.js';

const WAIT_MS = 30_000;

describe('MemoryBus', () => {
  it('keys pick partitions like Kafka and keep order within a partition', async () => {
    const bus = new MemoryBus();
    await bus.applyTopics([{ name: 't', partitions: 4, config: {} }]);
    await bus.send(Array.from({ length: 40 }, (_, i) => ({ topic: 't', key: `k${i % 5}`, value: String(i) })));
    const seen: BusBatch[] = [];
    const sub = await bus.subscribe({ groupId: 'g', topics: ['t'], fromBeginning: true }, async (b, c) => {
      seen.push(b);
      await c.commit(String(Number(b.records.at(-1)!.offset) + 1));
    });
    await until(() => seen.reduce((n, b) => n + b.records.length, 0) === 40, WAIT_MS);
    await sub.stop();
    for (const b of seen) {
      for (const r of b.records) expect(partitionForKey(r.key!, 4)).toBe(b.partition);
      const values = b.records.filter((r) => r.key!.toString() === 'k1').map((r) => Number(r.value!.toString()));
      expect(values).toEqual([...values].sort((a, z) => a - z));
    }
  });

  it('resumes a group from its committed offset and re-delivers what was not committed', async () => {
    const bus = new MemoryBus();
    await bus.applyTopics([{ name: 't', partitions: 1, config: {} }]);
    await bus.send(Array.from({ length: 10 }, (_, i) => ({ topic: 't', key: 'k', value: String(i) })));
    let first: string[] = [];
    const sub1 = await bus.subscribe({ groupId: 'g', topics: ['t'], fromBeginning: true }, async (b, c) => {
      if (first.length > 0) return; // a crash after the first commit: nothing more is committed
      first = b.records.map((r) => r.value!.toString());
      await c.commit('5');
    });
    await until(() => first.length > 0, WAIT_MS);
    await sub1.stop();
    const again: string[] = [];
    const sub2 = await bus.subscribe({ groupId: 'g', topics: ['t'], fromBeginning: true }, async (b, c) => {
      again.push(...b.records.map((r) => r.value!.toString()));
      await c.commit(String(Number(b.records.at(-1)!.offset) + 1));
    });
    await until(() => again.length >= 5, WAIT_MS);
    await sub2.stop();
    expect(again).toEqual(['5', '6', '7', '8', '9']);
  });

  it('deletes a group of its own when asked to, once its last member stops; keeps the others', async () => {
    const bus = new MemoryBus();
    await bus.applyTopics([{ name: 't', partitions: 1, config: {} }]);
    await bus.send([{ topic: 't', key: 'k', value: '1' }]);
    const read = (groupId: string, deleteGroupOnStop: boolean) =>
      bus.subscribe({ groupId, topics: ['t'], fromBeginning: true, deleteGroupOnStop }, async (b, c) => c.commit(String(Number(b.records.at(-1)!.offset) + 1)));
    const own = await read('own', true);
    const shared = await read('shared', false);
    await until(() => bus.hasGroup('own') && bus.hasGroup('shared'), WAIT_MS);
    await own.stop();
    await shared.stop();
    expect(bus.hasGroup('own')).toBe(false);
    expect(bus.hasGroup('shared')).toBe(true);
  });

  it('splits partitions among the members of a group and rebalances when one leaves', async () => {
    const bus = new MemoryBus();
    await bus.applyTopics([{ name: 't', partitions: 4, config: {} }]);
    const owned: Record<string, number[]> = {};
    const handler = async () => {};
    const a = await bus.subscribe({ groupId: 'g', topics: ['t'], fromBeginning: true, onAssignment: (s) => (owned.a = s.map((x) => x.partition)) }, handler);
    const b = await bus.subscribe({ groupId: 'g', topics: ['t'], fromBeginning: true, onAssignment: (s) => (owned.b = s.map((x) => x.partition)) }, handler);
    expect(owned.a!.length).toBe(2);
    expect(owned.b!.length).toBe(2);
    expect([...owned.a!, ...owned.b!].sort()).toEqual([0, 1, 2, 3]);
    await b.stop();
    expect(owned.a!.sort()).toEqual([0, 1, 2, 3]);
    await a.stop();
  });

  it('drops the oldest records beyond its retention and moves a lagging group to the oldest kept', async () => {
    const bus = new MemoryBus({ retainPerPartition: 5 });
    await bus.applyTopics([{ name: 't', partitions: 1, config: {} }]);
    await bus.send(Array.from({ length: 12 }, (_, i) => ({ topic: 't', key: 'k', value: String(i) })));
    expect(await bus.endOffsets('t')).toEqual([{ partition: 0, offset: '12' }]);
    const got: string[] = [];
    const sub = await bus.subscribe({ groupId: 'g', topics: ['t'], fromBeginning: true }, async (b, c) => {
      got.push(...b.records.map((r) => r.offset));
      await c.commit(String(Number(b.records.at(-1)!.offset) + 1));
    });
    await until(() => got.length >= 5, WAIT_MS);
    await sub.stop();
    expect(got).toEqual(['7', '8', '9', '10', '11']);
  });
});
