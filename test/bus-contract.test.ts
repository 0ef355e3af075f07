import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionForKey } from '../src/platform/bus/partitioner.js';
import type { Bus, BusBatch, BusRecord, RevokeReason, Subscription, TopicPartition } from '../src/platform/bus/types.js';
import { KAFKA_CLIENTS } from '../src/platform/kafka/client-options.js';
import { createKafkaBus } from '../src/platform/kafka/kafka-client.js';
import { brokers, committedOffsets, uniqueTopic, withAdmin } from './support/kafka.js';
import { until } from './support/until.js';

const spec = (name: string, partitions: number, config: Record<string, string> = {}) => ({ name, partitions, config });
const group = (what: string) => `contract-${what}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const sorted = (tps: TopicPartition[]) => tps.map((tp) => tp.partition).sort((a, b) => a - b);

/** The Bus semantics every Kafka client must keep, run on the real broker against each. */
describe.each(KAFKA_CLIENTS)('bus contract on %s', (client) => {
  let bus: Bus;
  const subs: Subscription[] = [];
  const open = (): Bus => createKafkaBus({ clientId: `contract-${client}`, brokers: brokers().split(','), logLevel: 1 }, { sessionTimeoutMs: 10_000 }, client);

  beforeAll(async () => {
    bus = open();
    await bus.connect();
  });
  afterAll(async () => {
    for (const s of subs.splice(0)) await s.stop().catch(() => undefined);
    await bus.disconnect();
  });

  /** Subscribes, collecting every batch; stopped after the test file if the test did not. */
  async function collect(topic: string, groupId: string, extra: Partial<Parameters<Bus['subscribe']>[0]> = {}, on?: Bus) {
    const batches: BusBatch[] = [];
    const records = () => batches.flatMap((b) => b.records);
    const sub = await (on ?? bus).subscribe({ groupId, topics: [topic], fromBeginning: true, ...extra }, async (batch, control) => {
      batches.push(batch);
      await control.commit(String(BigInt(batch.records.at(-1)!.offset) + 1n));
    });
    subs.push(sub);
    // Stopped once: a test that stops it takes it off the after-all list.
    const stop = async () => {
      subs.splice(subs.indexOf(sub), 1);
      await sub.stop();
    };
    return { sub: { ...sub, pause: () => sub.pause(), resume: () => sub.resume(), stop }, batches, records };
  }

  it('puts a key on the partition Java murmur2 gives it, and hands over values, headers and tombstones', async () => {
    const topic = uniqueTopic('keys');
    await bus.applyTopics([spec(topic, 6, { 'cleanup.policy': 'delete' })]);
    const keys = Array.from({ length: 60 }, (_, i) => `host-${i}`);
    await bus.send(keys.map((key, i) => ({ topic, key, value: JSON.stringify({ i }), headers: { 'vigil-id': `id-${i}`, traceparent: `tp-${i}` } })));
    await bus.send([{ topic, key: 'gone', value: null }], { shared: true });
    const { records } = await collect(topic, group('keys'));
    await until(() => records().length === 61, 60_000, 'all 61 records');
    for (const r of records()) expect(r.partition).toBe(partitionForKey(r.key!.toString(), 6));
    const first = records().find((r) => r.key?.toString() === 'host-7')!;
    expect(first.value?.toString()).toBe('{"i":7}');
    expect(first.header?.('traceparent')).toBe('tp-7');
    expect(first.header?.('absent')).toBeUndefined();
    expect(first.headers).toEqual({ 'vigil-id': 'id-7', traceparent: 'tp-7' });
    expect(first.timestamp).toBeGreaterThan(Date.now() - 600_000);
    expect(records().find((r) => r.key?.toString() === 'gone')!.value).toBeNull();
    // Per partition, in offset order.
    for (let p = 0; p < 6; p++) {
      const offsets = records().filter((r) => r.partition === p).map((r) => BigInt(r.offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)));
    }
  });

  it('commits, and a new member goes on from the committed offsets', async () => {
    const topic = uniqueTopic('commit');
    await bus.applyTopics([spec(topic, 2)]);
    await bus.send(Array.from({ length: 20 }, (_, i) => ({ topic, key: `k${i}`, value: `a${i}` })));
    const groupId = group('commit');
    const first = await collect(topic, groupId);
    await until(() => first.records().length === 20, 60_000, 'the first 20');
    await first.sub.stop();
    const committed = await committedOffsets(groupId, topic);
    expect([...committed.values()].reduce((a, b) => a + b, 0n)).toBe(20n);
    await bus.send(Array.from({ length: 10 }, (_, i) => ({ topic, key: `k${i}`, value: `b${i}` })));
    const second = await collect(topic, groupId);
    await until(() => second.records().length === 10, 60_000, 'the next 10');
    expect(second.records().every((r) => r.value!.toString().startsWith('b'))).toBe(true);
  });

  it('rebalances two members: hooks say what each gained and lost, and no batch of a gained partition comes before its restore', async () => {
    const topic = uniqueTopic('rebalance');
    await bus.applyTopics([spec(topic, 4)]);
    const groupId = group('rebalance');
    const events: string[] = [];
    const restoring = new Set<string>();
    const member = (name: string, on: Bus) => {
      const got: BusRecord[] = [];
      const owned = new Set<number>();
      const sub = on.subscribe(
        {
          groupId,
          topics: [topic],
          fromBeginning: true,
          partitionsConsumedConcurrently: 2,
          onPartitionsAssigned: async (gained) => {
            for (const tp of gained) restoring.add(`${name}:${tp.partition}`);
            events.push(`${name} gained ${sorted(gained).join(',')}`);
            await new Promise((r) => setTimeout(r, 200));
            for (const tp of gained) {
              owned.add(tp.partition);
              restoring.delete(`${name}:${tp.partition}`);
            }
          },
          onPartitionsRevoked: async (lost, reason: RevokeReason) => {
            events.push(`${name} lost ${sorted(lost).join(',')} (${reason})`);
            for (const tp of lost) owned.delete(tp.partition);
          },
        },
        async (batch, control) => {
          expect(restoring.has(`${name}:${batch.partition}`)).toBe(false);
          expect(owned.has(batch.partition)).toBe(true);
          got.push(...batch.records);
          await control.commit(String(BigInt(batch.records.at(-1)!.offset) + 1n));
        },
      );
      return { got, owned, sub };
    };
    const a = member('a', bus);
    const subA = await a.sub;
    subs.push(subA);
    await until(() => a.owned.size === 4, 60_000, 'a owning all four partitions');
    const other = open();
    await other.connect();
    try {
      const b = member('b', other);
      const subB = await b.sub;
      await until(() => a.owned.size === 2 && b.owned.size === 2, 90_000, () => `two partitions each: ${events.join('; ')}`);
      expect(events).toContain('a lost ' + [...[0, 1, 2, 3].filter((p) => !a.owned.has(p))].join(',') + ' (rebalance)');
      await bus.send(Array.from({ length: 40 }, (_, i) => ({ topic, key: `k${i}`, value: `${i}` })));
      await until(() => a.got.length + b.got.length === 40, 60_000, 'the 40 records between them');
      expect(new Set(a.got.map((r) => r.partition))).toEqual(new Set([...a.owned]));
      await subB.stop();
      expect(events.at(-1)).toBe(`b lost ${events.find((e) => e.startsWith('b gained'))!.slice('b gained '.length)} (stop)`);
      await until(() => a.owned.size === 4, 90_000, () => `a owning all four again: ${events.join('; ')}`);
    } finally {
      await other.disconnect();
    }
  });

  it('stop lets the batch in hand finish and commit, then calls onPartitionsRevoked(stop)', async () => {
    const topic = uniqueTopic('stop');
    await bus.applyTopics([spec(topic, 1)]);
    await bus.send(Array.from({ length: 5 }, (_, i) => ({ topic, key: 'k', value: `${i}` })));
    const groupId = group('stop');
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const sub = await bus.subscribe(
      { groupId, topics: [topic], fromBeginning: true, onPartitionsRevoked: async (lost, reason) => void order.push(`revoked ${sorted(lost).join(',')} ${reason}`) },
      async (batch, control) => {
        entered();
        await held;
        expect(control.isRunning()).toBe(false);
        await control.commit(String(BigInt(batch.records.at(-1)!.offset) + 1n));
        order.push(`committed ${batch.records.length}`);
      },
    );
    await inHandler;
    const stopping = sub.stop();
    await new Promise((r) => setImmediate(r));
    release();
    await stopping;
    expect(order).toEqual(['committed 5', 'revoked 0 stop']);
    expect((await committedOffsets(groupId, topic)).get(0)).toBe(5n);
  });

  it('a batch that fails with an error the client does not retry comes again: the consumer keeps running', async () => {
    const topic = uniqueTopic('fatal');
    await bus.applyTopics([spec(topic, 1)]);
    await bus.send(Array.from({ length: 5 }, (_, i) => ({ topic, key: 'k', value: `${i}` })));
    const groupId = group('fatal');
    const events: string[] = [];
    let deliveries = 0;
    const sub = await bus.subscribe(
      { groupId, topics: [topic], fromBeginning: true, onCrash: () => void events.push('crash'), onRestarted: () => void events.push('restarted') },
      async (batch, control) => {
        // The first delivery fails as an append does when a restarted broker has lost the
        // producer's sequence: an error kafkajs and platformatic both call final.
        if (deliveries++ === 0) throw Object.assign(new Error('out of order sequence number'), { name: 'KafkaJSNonRetriableError', retriable: false, canRetry: false });
        await control.commit(String(BigInt(batch.records.at(-1)!.offset) + 1n));
      },
    );
    subs.push(sub);
    await until(async () => (await committedOffsets(groupId, topic)).get(0) === 5n, 90_000, 'the failed batch run again and committed');
    expect(deliveries).toBeGreaterThanOrEqual(2);
    // A crash reported (not ready) is followed by a restart reported (ready again).
    await expect.poll(() => events.at(-1) ?? 'none', { timeout: 20_000 }).not.toBe('crash');
  });

  it('pauses and resumes fetching', async () => {
    const topic = uniqueTopic('pause');
    await bus.applyTopics([spec(topic, 1)]);
    const { sub, records } = await collect(topic, group('pause'));
    await bus.send([{ topic, key: 'k', value: 'one' }]);
    await until(() => records().length === 1, 60_000, 'the first record');
    sub.pause();
    await bus.send([{ topic, key: 'k', value: 'two' }]);
    // A paused member fetches nothing: checked after the other client's full fetch wait (5 s on kafkajs).
    const ends = await bus.endOffsets(topic);
    expect(ends).toEqual([{ partition: 0, offset: '2' }]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(records().length).toBe(1);
    sub.resume();
    await until(() => records().length === 2, 60_000, 'the second record after resume');
  });

  it('scans partitions up to their end offsets at call time, leaving no group', async () => {
    const topic = uniqueTopic('scan');
    await bus.applyTopics([spec(topic, 3)]);
    await bus.send(Array.from({ length: 30 }, (_, i) => ({ topic, key: `k${i}`, value: `${i}`, partition: i % 3 })));
    const groupsBefore = await withAdmin(async (admin) => (await admin.listGroups()).groups.length);
    const seen: BusRecord[][] = [];
    await bus.scan(topic, [0, 2], (records) => {
      seen.push(records);
      // Appends during the scan are past its end: not read.
      if (seen.length === 1) void bus.send([{ topic, key: 'late', value: 'late', partition: 0 }]);
    });
    const all = seen.flat();
    expect(all.length).toBe(20);
    expect(new Set(all.map((r) => r.partition))).toEqual(new Set([0, 2]));
    expect(all.some((r) => r.value?.toString() === 'late')).toBe(false);
    await bus.scan(topic, [1], () => undefined);
    await bus.scan(topic, [], () => undefined);
    expect(await withAdmin(async (admin) => (await admin.listGroups()).groups.length)).toBeLessThanOrEqual(groupsBefore);
  });

  it('applies topics (create, grow, config) and reports end offsets', async () => {
    const topic = uniqueTopic('apply');
    const onCluster = `${process.env.VIGIL_TOPIC_PREFIX ?? ''}${topic}`;
    expect(await bus.applyTopics([spec(topic, 2, { 'retention.ms': '3600000' })])).toEqual([`created ${onCluster} (2 partitions)`]);
    expect(await bus.applyTopics([spec(topic, 2, { 'retention.ms': '3600000' })])).toEqual([]);
    expect(await bus.applyTopics([spec(topic, 3, { 'retention.ms': '7200000' })])).toEqual([`grew ${onCluster} to 3 partitions`, `updated config of ${onCluster}`]);
    await bus.send([{ topic, key: null, value: 'x', partition: 2 }, { topic, key: null, value: 'y', partition: 2 }]);
    expect((await bus.endOffsets(topic)).sort((a, b) => a.partition - b.partition)).toEqual([
      { partition: 0, offset: '0' },
      { partition: 1, offset: '0' },
      { partition: 2, offset: '2' },
    ]);
    expect(await bus.endOffsets(uniqueTopic('missing'))).toEqual([]);
  });

  it('deletes the group on stop when asked', async () => {
    const topic = uniqueTopic('delete');
    await bus.applyTopics([spec(topic, 1)]);
    await bus.send([{ topic, key: 'k', value: 'v' }]);
    const groupId = group('delete');
    const { sub, records } = await collect(topic, groupId, { deleteGroupOnStop: true });
    await until(() => records().length === 1, 60_000, 'the record');
    expect((await committedOffsets(groupId, topic)).get(0)).toBe(1n);
    await sub.stop();
    // Gone with its committed offsets: a start after this one reads from the beginning again.
    expect((await committedOffsets(groupId, topic)).size).toBe(0);
    const groups = await withAdmin(async (admin) => (await admin.listGroups()).groups.map((g) => g.groupId));
    expect(groups).not.toContain(groupId);
  });
});
