/**
 * A stateful platform consumer in its own process, for the changelog tests. It counts the
 * records of each key (a record at or below the key's last counted offset is not counted again),
 * restores the counts of the partitions it gains from the changelog, checkpoints the keys a
 * batch touched before the batch commits, and forgets the keys of partitions it loses. One line
 * per event on stdout:
 *   ready | assignment 0,3 | restoring 0,3 | restored 0,3 keys 20 markers 1 | batch 3 17
 *   revoked 1,2 rebalance | revoked 0,3 stop | UNRESTORED 5 (a batch of a partition whose restore never ran) | stopped
 * On stop it takes `stopCheckpointMs` (a large final checkpoint), then writes a marker key
 * `stopped-<partition>` for each partition it gives up: the next owner must restore those.
 */
import { createKafkaBus } from '../../src/platform/kafka/kafka-client.js';
import { StageRunner } from '../../src/platform/stage/stage-runner.js';
import { BusChangelog } from '../../src/platform/state/changelog.js';
import { parseCatalogue, type RawCatalogue } from '../../src/platform/streams/catalogue.js';
import { SchemaRegistry } from '../../src/platform/streams/validator.js';

interface WorkerConfig {
  brokers: string;
  catalogue: RawCatalogue;
  input: string;
  state: string;
  group: string;
  sessionTimeoutMs: number;
  /** Milliseconds of simulated work per batch, so a kill lands mid-stream. */
  workMs: number;
  maxBytesPerPartition: number;
  stopCheckpointMs: number;
}

interface Count {
  partition: number;
  count: number;
  last: string;
}

const cfg = JSON.parse(process.argv[2]!) as WorkerConfig;
const catalogue = parseCatalogue(cfg.catalogue, 'worker');
const bus = createKafkaBus(
  { clientId: 'stateful-worker', brokers: cfg.brokers.split(','), logLevel: 1 },
  { maxBytesPerPartition: cfg.maxBytesPerPartition, sessionTimeoutMs: cfg.sessionTimeoutMs },
);
await bus.connect();
const changelog = new BusChangelog(bus, cfg.state, { partitions: catalogue.get(cfg.state).partitions, maxValueBytes: 1024 * 1024 });
const counts = new Map<string, Count>();
const restored = new Set<number>();
const list = (ps: Array<{ partition: number }>) => ps.map((p) => p.partition).sort((a, b) => a - b).join(',');
const say = (line: string) => console.log(line);

const runner = new StageRunner<{ entity: string }>(bus, catalogue, new SchemaRegistry(catalogue), {
  service: 'stateful-worker',
  groupId: cfg.group,
  topics: [cfg.input],
  onAssignment: (assigned) => say(`assignment ${list(assigned)}`),
  onPartitionsAssigned: async (gained) => {
    say(`restoring ${list(gained)}`);
    const state = await changelog.restore(gained.map((g) => g.partition));
    let keys = 0;
    let markers = 0;
    for (const [partition, values] of state) {
      for (const [key, bytes] of values) {
        if (key.startsWith('stopped-')) {
          markers++;
          continue;
        }
        counts.set(key, { partition, ...(JSON.parse(bytes.toString()) as { count: number; last: string }) });
        keys++;
      }
      restored.add(partition);
    }
    say(`restored ${list(gained)} keys ${keys} markers ${markers}`);
  },
  onPartitionsRevoked: async (lost, why) => {
    say(`revoked ${list(lost)} ${why}`);
    const gone = new Set(lost.map((l) => l.partition));
    // Still ours on stop: the last checkpoint goes out. After a rebalance it is another's already.
    if (why === 'stop') {
      await new Promise((r) => setTimeout(r, cfg.stopCheckpointMs));
      for (const p of gone) changelog.put(`stopped-${p}`, p, Buffer.from('{}'));
      await changelog.flush();
    } else changelog.discard([...gone]);
    for (const [key, c] of counts) if (gone.has(c.partition)) counts.delete(key);
    for (const p of gone) restored.delete(p);
  },
  handle: async (records) => {
    const partition = records[0]!.partition;
    if (!restored.has(partition)) say(`UNRESTORED ${partition}`);
    await new Promise((r) => setTimeout(r, cfg.workMs));
    const touched = new Set<string>();
    for (const r of records) {
      const key = r.key!;
      const c = counts.get(key) ?? { partition, count: 0, last: '-1' };
      if (BigInt(r.offset) <= BigInt(c.last)) continue;
      c.count++;
      c.last = r.offset;
      counts.set(key, c);
      touched.add(key);
    }
    for (const key of touched) {
      const c = counts.get(key)!;
      changelog.put(key, c.partition, Buffer.from(JSON.stringify({ count: c.count, last: c.last })));
    }
    // The checkpoint lands before the batch's offsets are committed.
    await changelog.flush();
    say(`batch ${partition} ${records.length}`);
    return [];
  },
});
await runner.start();
say('ready');
process.on('SIGTERM', () => {
  void runner
    .stop()
    .then(() => bus.disconnect())
    .then(() => {
      say('stopped');
      process.exit(0);
    });
});
