import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/platform/bus/types.js';
import { openChangelog } from '../src/platform/state/open-changelog.js';
import type { Changelog, RestoredState } from '../src/platform/state/types.js';
import { parseCatalogue, topicSpecs, type RawCatalogue } from '../src/platform/streams/catalogue.js';
import { brokers, kafkaBus, uniqueTopic, withAdmin } from './support/kafka.js';
import { startWorker } from './support/stage-worker-process.js';

const PARTITIONS = 12;

/** An input topic and its changelog, fresh for this file. */
function stateCatalogue() {
  const input = uniqueTopic('cl-in');
  const state = uniqueTopic('cl-state');
  const raw: RawCatalogue = {
    topics: {
      [input]: { key: 'entity', partitions: PARTITIONS, retention: '1h', cleanup: 'delete', schema: 'telemetry.metrics.schema.json', dlq: true },
      [state]: { key: 'entity', changelogOf: input, partitions: PARTITIONS, cleanup: 'compact', segment: '1h', minCleanableDirtyRatio: 0.1, deleteRetention: '1d', maxMessageBytes: 8388608 },
    },
  };
  return { input, state, raw, catalogue: parseCatalogue(raw, 'test') };
}

function plain(state: RestoredState): Record<number, Record<string, string>> {
  return Object.fromEntries([...state].map(([p, keys]) => [p, Object.fromEntries([...keys].map(([k, v]) => [k, v.toString()]))]));
}

describe('changelog on a real broker', () => {
  let bus: Bus;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    bus = kafkaBus();
    await bus.connect();
  });
  afterAll(async () => {
    // Whatever a failed test left running, by pid.
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await bus.disconnect();
  });

  it('is created compacted, and restores exactly the latest values of the partitions asked for, leaving no group behind', async () => {
    const { state, catalogue } = stateCatalogue();
    await bus.applyTopics(topicSpecs(catalogue));
    // The broker keeps the settings as given: applying again changes nothing.
    expect(await bus.applyTopics(topicSpecs(catalogue))).toEqual([]);
    const onCluster = `${process.env.VIGIL_TOPIC_PREFIX ?? ''}${state}`;
    const configs = await withAdmin((admin) =>
      admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: onCluster, configNames: ['cleanup.policy', 'segment.ms', 'min.cleanable.dirty.ratio', 'delete.retention.ms'] }] }),
    );
    expect(Object.fromEntries(configs.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]))).toEqual({
      'cleanup.policy': 'compact',
      'segment.ms': '3600000',
      'min.cleanable.dirty.ratio': '0.1',
      'delete.retention.ms': '86400000',
    });

    const log: Changelog = await openChangelog(bus, catalogue, state, { stateDir: '' });
    const expected = new Map<number, Map<string, string>>(Array.from({ length: PARTITIONS }, (_, p) => [p, new Map()]));
    const put = (key: string, partition: number, value: string | null) => {
      if (value === null) {
        log.delete(key, partition);
        expected.get(partition)!.delete(key);
      } else {
        log.put(key, partition, Buffer.from(value));
        expected.get(partition)!.set(key, value);
      }
    };
    // 60 keys over 10 of the 12 partitions (10 and 11 stay empty), then overwrites and deletes.
    for (let k = 0; k < 60; k++) put(`host-${k}`, k % 10, `v1-${k}`);
    await log.flush();
    for (let k = 0; k < 60; k += 3) put(`host-${k}`, k % 10, `v2-${k}`);
    for (let k = 0; k < 60; k += 7) put(`host-${k}`, k % 10, null);
    await log.flush();
    for (let k = 0; k < 60; k += 14) put(`host-${k}`, k % 10, `v3-${k}`);
    await log.flush();

    const want = (...ps: number[]) => Object.fromEntries(ps.map((p) => [p, Object.fromEntries(expected.get(p)!)]));
    expect(plain(await log.restore([3]))).toEqual(want(3));
    expect(plain(await log.restore([0, 7, 11]))).toEqual(want(0, 7, 11));
    expect(Object.keys(want(0)).length).toBeGreaterThan(0);
    expect(plain(await log.restore([...expected.keys()]))).toEqual(want(...expected.keys()));
    // A restore reads with a group of its own, deleted after.
    const groups = await withAdmin((admin) => admin.listGroups());
    expect(groups.groups.filter((g) => g.groupId.includes('-read-'))).toEqual([]);
    await expect(log.restore([PARTITIONS])).rejects.toThrow(/no partition 12/);
  });

  it('gives each stateful member the state of the partitions it gains before their first batch, when one stops, stalls past its session, or is SIGKILLed', async () => {
    const { input, state, raw, catalogue } = stateCatalogue();
    await bus.applyTopics(topicSpecs(catalogue));
    const KEYS = 240;
    let sent = 0;
    // One append per round of all keys: many small record batches, so many consumer batches.
    const wave = async (perKey: number) => {
      for (let round = 0; round < perKey; round++) {
        await bus.send(Array.from({ length: KEYS }, (_, k) => {
          const entity = `host-${k}`;
          return { topic: input, key: entity, value: JSON.stringify({ entity, metric: 'cpu', timestamp: 1_700_000_000_000 + sent, value: k }) };
        }));
        sent++;
      }
    };
    // Every key counted exactly `sent` times, as the changelog holds it.
    const checker = await openChangelog(bus, catalogue, state, { stateDir: '' });
    const counted = async () => {
      const all = await checker.restore(Array.from({ length: PARTITIONS }, (_, p) => p));
      const counts = [...all.values()].flatMap((keys) => [...keys].filter(([k]) => k.startsWith('host-')).map(([, v]) => (JSON.parse(v.toString()) as { count: number }).count));
      return { keys: counts.length, exact: counts.filter((c) => c === sent).length };
    };
    const allCounted = () => expect.poll(counted, { timeout: 90_000, interval: 500 }).toEqual({ keys: KEYS, exact: KEYS });

    const config = { brokers: brokers(), catalogue: raw, input, state, group: `stateful-${Date.now()}`, sessionTimeoutMs: 6000, workMs: 20, maxBytesPerPartition: 4096, stopCheckpointMs: 10_000 };
    const start = () => {
      const w = startWorker(config, 'test/support/stateful-worker.ts');
      children.push(w.child);
      const lines = () => w.output().split('\n');
      const assignment = () => lines().filter((l) => l.startsWith('assignment')).at(-1)?.split(' ')[1]?.split(',').filter(Boolean).map(Number) ?? [];
      return { ...w, lines, assignment };
    };
    type Worker = ReturnType<typeof start>;
    /** Batches of partitions whose state was not restored first (by its own bookkeeping, and by the order of its lines). */
    const unrestored = (w: Worker) => {
      const ready = new Set<number>();
      const bad: string[] = [];
      for (const line of w.lines()) {
        const [what, ps] = line.split(' ');
        const parts = (ps ?? '').split(',').filter(Boolean).map(Number);
        if (what === 'restored') parts.forEach((p) => ready.add(p));
        if (what === 'revoked') parts.forEach((p) => ready.delete(p));
        if (what === 'batch' && !ready.has(Number(ps))) bad.push(line);
        if (what === 'UNRESTORED') bad.push(line);
      }
      return bad;
    };
    const restoredLines = (w: Worker) => w.lines().filter((l) => l.startsWith('restored'));
    const sorted = (ps: number[]) => [...ps].sort((a, b) => a - b);
    const all = Array.from({ length: PARTITIONS }, (_, p) => p);

    await wave(3);
    const a = start();
    await a.ready;
    await expect.poll(() => a.assignment().length, { timeout: 60_000 }).toBe(PARTITIONS);
    const b = start();
    await b.ready;
    await expect.poll(() => a.assignment().length + b.assignment().length === PARTITIONS && b.assignment().length > 0, { timeout: 60_000 }).toBe(true);
    const bHad = b.assignment();
    expect(sorted([...a.assignment(), ...bHad])).toEqual(all);
    await allCounted();
    // a gave b's partitions up at the rebalance; b restored them before their first batch.
    expect(a.lines()).toContain(`revoked ${bHad.join(',')} rebalance`);
    await expect.poll(() => restoredLines(b)[0]).toMatch(new RegExp(`^restored ${bHad.join(',')} keys \\d+ markers 0$`));

    // b stops: its last (slow) checkpoint goes out before it leaves the group, so a, restoring
    // b's partitions and only those, finds what b wrote last: a marker per partition.
    expect(await b.kill('SIGTERM')).toBe(0);
    expect(b.lines()).toContain(`revoked ${bHad.join(',')} stop`);
    await expect.poll(() => a.assignment().length, { timeout: 60_000 }).toBe(PARTITIONS);
    await expect.poll(() => restoredLines(a).at(-1)).toMatch(new RegExp(`^restored ${bHad.join(',')} keys [1-9]\\d* markers ${bHad.length}$`));
    await wave(3);
    await allCounted();

    // c joins, then stalls (SIGSTOP) past its session: the group drops it and a takes everything.
    // When c wakes it joins as a new member: all it had counts as lost, and whatever it gets now
    // (perhaps the same partitions, which others have moved on meanwhile) is restored afresh.
    const c = start();
    await c.ready;
    await expect.poll(() => a.assignment().length + c.assignment().length === PARTITIONS && c.assignment().length > 0, { timeout: 60_000 }).toBe(true);
    const cBefore = c.assignment();
    await wave(3);
    await allCounted();
    c.child.kill('SIGSTOP');
    await expect.poll(() => a.assignment().length, { timeout: 60_000 }).toBe(PARTITIONS);
    await wave(3);
    await allCounted();
    const seen = c.lines().length;
    c.child.kill('SIGCONT');
    await expect.poll(() => c.lines().slice(seen).some((l) => l.startsWith('restored')), { timeout: 60_000 }).toBe(true);
    await expect.poll(() => a.assignment().length + c.assignment().length, { timeout: 60_000 }).toBe(PARTITIONS);
    const woke = c.lines().slice(seen).filter((l) => /^(revoked|restored) /.test(l));
    expect(woke.slice(0, 2)).toEqual([`revoked ${cBefore.join(',')} rebalance`, expect.stringMatching(new RegExp(`^restored ${c.assignment().join(',')} keys [1-9]\\d* markers \\d+$`))]);
    await wave(3);
    await allCounted();

    // c is SIGKILLed mid-stream: after its session times out, a takes its partitions back.
    const cHad = c.assignment();
    const before = c.lines().filter((l) => l.startsWith('batch')).length;
    await wave(20);
    await expect.poll(() => c.lines().filter((l) => l.startsWith('batch')).length, { timeout: 60_000 }).toBeGreaterThan(before + 10);
    const restoresBefore = restoredLines(a).length;
    await c.kill('SIGKILL');
    await expect.poll(() => a.assignment().length, { timeout: 60_000 }).toBe(PARTITIONS);
    await expect.poll(() => restoredLines(a).length).toBe(restoresBefore + 1);
    expect(restoredLines(a).at(-1)).toMatch(new RegExp(`^restored ${cHad.join(',')} keys [1-9]\\d* markers \\d+$`));
    // Every key counted exactly once per record: what c checkpointed came back, and a went on from there.
    await allCounted();

    for (const w of [a, b, c]) expect(unrestored(w)).toEqual([]);
    expect(await a.kill('SIGTERM')).toBe(0);
    expect(a.lines()).toContain(`revoked ${all.join(',')} stop`);
    await checker.close();
  });
});
