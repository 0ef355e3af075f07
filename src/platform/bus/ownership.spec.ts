import { describe, expect, it, vi } from 'vitest';
import { MemoryBus } from './memory-bus.js';
import type { BatchHandler, SubscribeOptions, TopicPartition } from './types.js';

const parts = (tps: TopicPartition[]) => tps.map((tp) => tp.partition).sort((a, b) => a - b);

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A member that logs its hooks and batches into `log` as `<name> <event> <partitions>`. */
function member(bus: MemoryBus, name: string, log: string[], hooks: Partial<SubscribeOptions> = {}, onBatch?: BatchHandler) {
  const owned = { partitions: [] as number[] };
  return {
    owned,
    subscription: bus.subscribe(
      {
        groupId: 'g',
        topics: ['t'],
        fromBeginning: true,
        onAssignment: (a) => (owned.partitions = parts(a)),
        onPartitionsAssigned: async (gained) => void log.push(`${name} assigned ${parts(gained)}`),
        onPartitionsRevoked: async (lost, why) => void log.push(`${name} revoked ${parts(lost)} ${why}`),
        ...hooks,
      },
      async (batch, control) => {
        log.push(`${name} batch ${batch.partition}`);
        await onBatch?.(batch, control);
        await control.commit(String(Number(batch.records.at(-1)!.offset) + 1));
      },
    ),
  };
}

const firstIndex = (log: string[], entry: string) => log.indexOf(entry);

describe('partition ownership hooks on the in-process bus', () => {
  it('restores gained partitions before their first batch, and says what a rebalance and a stop take away', async () => {
    const bus = new MemoryBus();
    await bus.applyTopics([{ name: 't', partitions: 4, config: {} }]);
    const send = () => bus.send([0, 1, 2, 3].map((partition) => ({ topic: 't', key: null, value: 'x', partition })));
    await send();
    const log: string[] = [];
    const restoreA = deferred();
    const a = member(bus, 'a', log, {
      onPartitionsAssigned: async (gained) => {
        log.push(`a restoring ${parts(gained)}`);
        if (log.filter((l) => l.startsWith('a restoring')).length === 1) await restoreA.promise;
        log.push(`a assigned ${parts(gained)}`);
      },
    });
    const subA = await a.subscription;
    await vi.waitFor(() => expect(log).toContain('a restoring 0,1,2,3'));
    // Records wait on the restore while the rest of the bus goes on: another group reads them all meanwhile.
    let otherRead = 0;
    const other = await bus.subscribe({ groupId: 'other', topics: ['t'], fromBeginning: true }, async (batch, control) => {
      otherRead += batch.records.length;
      await control.commit(String(Number(batch.records.at(-1)!.offset) + 1));
    });
    await vi.waitFor(() => expect(otherRead).toBe(4));
    await other.stop();
    expect(log.filter((l) => l.includes('batch'))).toEqual([]);
    restoreA.resolve();
    await vi.waitFor(() => expect(log.filter((l) => l.startsWith('a batch')).length).toBe(4));
    expect(log.slice(0, 2)).toEqual(['a restoring 0,1,2,3', 'a assigned 0,1,2,3']);

    // A second member: each loses and gains exactly what the new assignment moved.
    const b = member(bus, 'b', log);
    const subB = await b.subscription;
    await send();
    await vi.waitFor(() => expect(log.filter((l) => l.startsWith('b batch')).length).toBe(2));
    expect(a.owned.partitions.length + b.owned.partitions.length).toBe(4);
    expect(log).toContain(`a revoked ${b.owned.partitions} rebalance`);
    expect(log).toContain(`b assigned ${b.owned.partitions}`);
    for (const p of b.owned.partitions) expect(firstIndex(log, `b assigned ${b.owned.partitions}`)).toBeLessThan(firstIndex(log, `b batch ${p}`));

    // b stops: its last word comes before a takes its partitions back, and before a's next batch of them.
    const taken = b.owned.partitions;
    log.length = 0;
    await subB.stop();
    await send();
    await vi.waitFor(() => expect(log.filter((l) => l.startsWith('a batch')).length).toBe(4));
    expect(log.slice(0, 3)).toEqual([`b revoked ${taken} stop`, `a restoring ${taken}`, `a assigned ${taken}`]);
    expect(a.owned.partitions).toEqual([0, 1, 2, 3]);

    log.length = 0;
    await subA.stop();
    expect(log).toEqual(['a revoked 0,1,2,3 stop']);
  });

  it('forgets a lost partition only after its batch in hand, and retries a restore that fails', async () => {
    const bus = new MemoryBus();
    await bus.applyTopics([{ name: 't', partitions: 2, config: {} }]);
    await bus.send([0, 1].map((partition) => ({ topic: 't', key: null, value: 'x', partition })));
    const log: string[] = [];
    const slow = deferred();
    const a = member(bus, 'a', log, {}, async (batch) => {
      if (batch.partition !== 1) return;
      log.push('a batch 1 working');
      await slow.promise;
      log.push('a batch 1 done');
    });
    const subA = await a.subscription;
    await vi.waitFor(() => expect(log).toContain('a batch 1 working'));
    let attempts = 0;
    const b = member(bus, 'b', log, {
      onPartitionsAssigned: async (gained) => {
        if (++attempts === 1) throw new Error('broker away');
        log.push(`b assigned ${parts(gained)}`);
      },
    });
    const subB = await b.subscription;
    expect(b.owned.partitions).toEqual([1]);
    // b has partition 1 now; a's batch of it is still in hand, so its revocation waits.
    await vi.waitFor(() => expect(attempts).toBe(1));
    expect(log).not.toContain('a revoked 1 rebalance');
    slow.resolve();
    await vi.waitFor(() => expect(log).toContain('a revoked 1 rebalance'));
    expect(firstIndex(log, 'a batch 1 done')).toBeLessThan(firstIndex(log, 'a revoked 1 rebalance'));
    // The failed restore was tried again, and b's first batch of 1 came after it worked.
    await bus.send([{ topic: 't', key: null, value: 'y', partition: 1 }]);
    await vi.waitFor(() => expect(log).toContain('b batch 1'), { timeout: 5000 });
    expect(attempts).toBe(2);
    expect(firstIndex(log, 'b assigned 1')).toBeLessThan(firstIndex(log, 'b batch 1'));
    await subB.stop();
    await subA.stop();
  });
});
