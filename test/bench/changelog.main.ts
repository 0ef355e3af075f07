/**
 * How long a restore from a changelog takes: CHANGELOG_KEYS keys (default 10,000) of
 * CHANGELOG_VALUE_BYTES (default 10 KiB, random: snapshots of float32 state hardly compress) on
 * a 12-partition compacted topic, restored whole and one partition alone, median of
 * CHANGELOG_REPEATS (default 3); then again once every key was checkpointed CHANGELOG_ROUNDS more
 * times (default 3: the log holds that many superseded snapshots per key that the cleaner has
 * not removed yet — it never touches the active segment); and the embedded default's file store
 * with the same data. Uses KAFKA_BROKERS, or starts a broker of its own.
 *
 *   npx tsx test/bench/changelog.main.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quietKafkaJsTimeoutWarning } from '../../src/platform/cli/quiet-warnings.js';
import { KafkaBus } from '../../src/platform/kafka/kafka-bus.js';
import { BusChangelog } from '../../src/platform/state/changelog.js';
import { FileChangelog } from '../../src/platform/state/file-changelog.js';
import type { Changelog } from '../../src/platform/state/types.js';
import { parseCatalogue, topicSpecs } from '../../src/platform/streams/catalogue.js';
import { benchBroker, fmt, machine, median } from './harness.js';

quietKafkaJsTimeoutWarning();
const KEYS = Number(process.env.CHANGELOG_KEYS ?? 10_000);
const VALUE_BYTES = Number(process.env.CHANGELOG_VALUE_BYTES ?? 10 * 1024);
const REPEATS = Number(process.env.CHANGELOG_REPEATS ?? 3);
const ROUNDS = Number(process.env.CHANGELOG_ROUNDS ?? 3);
const PARTITIONS = 12;
const all = Array.from({ length: PARTITIONS }, (_, p) => p);

async function checkpoint(log: Changelog): Promise<number> {
  const started = performance.now();
  for (let k = 0; k < KEYS; k++) {
    log.put(`entity-${k}`, k % PARTITIONS, randomBytes(VALUE_BYTES));
    // Flushed every 500 keys, as a service checkpointing in steps would.
    if (log.pending >= 500) await log.flush();
  }
  await log.flush();
  return performance.now() - started;
}

async function timeRestores(log: Changelog, what: string): Promise<void> {
  for (const [label, partitions] of [['all 12 partitions', all], ['one partition', [5]]] as const) {
    const ms: number[] = [];
    let keys = 0;
    for (let i = 0; i < REPEATS; i++) {
      const started = performance.now();
      const state = await log.restore([...partitions]);
      ms.push(performance.now() - started);
      keys = [...state.values()].reduce((n, m) => n + m.size, 0);
    }
    console.log(`  ${what}, restore ${label}: ${fmt(keys)} keys in ${fmt(median(ms))} ms (median of ${REPEATS}: ${ms.map((x) => fmt(x)).join(', ')} ms), ${fmt((keys * VALUE_BYTES) / 2 ** 20 / (median(ms) / 1000))} MiB/s`);
  }
}

const broker = await benchBroker();
const dir = mkdtempSync(join(tmpdir(), 'vigil-changelog-bench-'));
try {
  console.log(`changelog restore — ${machine()}; broker ${broker.brokers}; ${fmt(KEYS)} keys x ${fmt(VALUE_BYTES)} B (${fmt((KEYS * VALUE_BYTES) / 2 ** 20)} MiB)`);
  const topic = `bench-state-${Date.now().toString(36)}`;
  const catalogue = parseCatalogue(
    {
      topics: {
        [`${topic}-in`]: { key: 'entity', partitions: PARTITIONS, cleanup: 'delete', schema: 'telemetry.metrics.schema.json', dlq: true },
        [topic]: { key: 'entity', changelogOf: `${topic}-in`, partitions: PARTITIONS, cleanup: 'compact', segment: '1h', segmentBytes: 134217728, minCleanableDirtyRatio: 0.1, deleteRetention: '1d', maxMessageBytes: 8388608 },
      },
    },
    'bench',
  );
  const bus = new KafkaBus({ clientId: 'changelog-bench', brokers: broker.brokers.split(','), logLevel: 1 });
  await bus.connect();
  await bus.applyTopics(topicSpecs(catalogue));
  const kafka = new BusChangelog(bus, topic, { partitions: PARTITIONS, maxValueBytes: 8 * 1024 * 1024 });
  const file = await FileChangelog.open(dir, topic, { partitions: PARTITIONS, maxValueBytes: 8 * 1024 * 1024 });

  console.log(`  Kafka: one checkpoint of every key written in ${fmt(await checkpoint(kafka))} ms`);
  await timeRestores(kafka, 'Kafka, one snapshot per key');
  let written = 0;
  for (let r = 0; r < ROUNDS; r++) written += await checkpoint(kafka);
  console.log(`  Kafka: ${ROUNDS} more checkpoints of every key in ${fmt(written)} ms`);
  await timeRestores(kafka, `Kafka, ${ROUNDS + 1} snapshots per key in the log`);

  console.log(`  file: one checkpoint of every key written in ${fmt(await checkpoint(file))} ms`);
  await timeRestores(file, 'file');
  await file.close();
  await bus.disconnect();
} finally {
  rmSync(dir, { recursive: true, force: true });
  await broker.stop();
}
