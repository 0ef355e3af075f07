/**
 * A service's throughput as its own process (`vigil start <service>`) on the broker, next to the
 * bare kafkajs consumer on the same records: the topic is filled first, then the service reads
 * it from the beginning; the rate counts from its group's first commit to the commit of the last
 * record (offsets read from the broker), so start-up and group join are left out.
 */
import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { freePorts } from '../../src/platform/kafka/local-broker.js';
import { KafkaBus } from '../../src/platform/kafka/kafka-bus.js';
import { loadCatalogue, topicSpecs } from '../../src/platform/streams/catalogue.js';
import { VigilProcess } from '../support/vigil-process.js';
import { bareRun } from './consumer.bench.js';
import { buildDist, fmt } from './harness.js';

export interface ServiceBenchResult {
  service: string;
  topic: string;
  records: number;
  bare_records_per_s: number;
  service_records_per_s: number;
  ratio: number;
  note: string;
  /** A later phase, appended once the first was committed (e.g. with the models in place). */
  after?: { what: string; records: number; service_records_per_s: number; ratio: number };
}

type Records = Array<{ key: string; value: object }>;

interface Scenario {
  service: string;
  topic: string;
  records: Records;
  after?: { what: string; records: Records };
  env: Record<string, string>;
  note: string;
  cleanup?: () => Promise<void>;
}

/** Committed offsets of a group on a topic, summed over partitions (a partition with none counts 0). */
async function committed(admin: kafkajs.Admin, groupId: string, topic: string): Promise<number> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (t?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

async function run(brokers: string, s: Scenario): Promise<ServiceBenchResult> {
  const prefix = `bench-${s.service}-${Date.now().toString(36)}.`;
  const bus = new KafkaBus({ clientId: `bench-${s.service}`, brokers: brokers.split(','), logLevel: 1 }, { topicPrefix: prefix });
  const admin = new kafkajs.Kafka({ clientId: 'bench-offsets', brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING }).admin();
  let vigil: VigilProcess | undefined;
  try {
    await bus.connect();
    await admin.connect();
    await bus.applyTopics(topicSpecs(loadCatalogue(), 1));
    const append = async (records: Records) => {
      for (let i = 0; i < records.length; i += 10_000) {
        await bus.send(records.slice(i, i + 10_000).map((r) => ({ topic: s.topic, key: r.key, value: JSON.stringify(r.value) })));
      }
    };
    await append(s.records);
    const total = s.records.length;
    const physical = `${prefix}${s.topic}`;
    const bare = await bareRun(brokers, physical, total);

    const [port] = await freePorts(1);
    const groupPrefix = `bench${Date.now().toString(36)}`;
    const child = new VigilProcess(['start', s.service, '--port', String(port)], {
      KAFKA_BROKERS: brokers,
      VIGIL_DEMO: 'false',
      VIGIL_TOPIC_PREFIX: prefix,
      VIGIL_GROUP_PREFIX: groupPrefix,
      ...s.env,
    });
    vigil = child;
    const group = `${groupPrefix}-${s.service}`;
    /** Records/s from the first commit past `from` until `to` are committed (from the call when one poll saw it all). */
    const rateUntil = async (from: number, to: number): Promise<number> => {
      const called = performance.now();
      let first = 0;
      let firstCount = 0;
      const deadline = Date.now() + 600_000;
      for (;;) {
        if (child.child.exitCode !== null) throw new Error(`vigil start ${s.service} exited:\n${child.output.slice(-3000)}`);
        if (Date.now() > deadline) throw new Error(`vigil start ${s.service} did not commit all ${to} records in 10 minutes`);
        const n = await committed(admin, group, physical);
        if (n > from && first === 0) {
          first = performance.now();
          firstCount = n;
        }
        if (n >= to) return first > 0 && firstCount < to ? ((to - firstCount) / (performance.now() - first)) * 1000 : ((to - from) / (performance.now() - called)) * 1000;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const rate = await rateUntil(0, total);
    const result: ServiceBenchResult = { service: s.service, topic: s.topic, records: total, bare_records_per_s: bare, service_records_per_s: rate, ratio: rate / bare, note: s.note };
    if (s.after) {
      await append(s.after.records);
      const later = await rateUntil(total, total + s.after.records.length);
      result.after = { what: s.after.what, records: s.after.records.length, service_records_per_s: later, ratio: later / bare };
    }
    return result;
  } finally {
    await vigil?.stop();
    await bus.disconnect();
    // The run's topics go with it: a broker kept full of benchmark partitions slows what follows.
    const topics = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => {});
    await admin.disconnect();
    await s.cleanup?.();
  }
}

/** Watched metrics (rules/predictor) of `entities` hosts, one sample a minute, a noisy daily curve. */
function predictorScenario(entities: number, steps: number): Scenario {
  const coldStart = 450;
  const rows = (from: number, to: number): Records => {
    const records: Records = [];
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    for (let step = from; step < to; step++) {
    for (let e = 0; e < entities; e++) {
      const entity = `host-${e}`;
      const daily = Math.sin((2 * Math.PI * step) / 1440 + e);
      const noise = ((step * 7919 + e * 31) % 100) / 10_000;
      records.push({ key: entity, value: { entity, metric: 'disk_used_ratio', timestamp: t0 + step * 60_000, value: 0.6 + 0.1 * daily + noise } });
      records.push({ key: entity, value: { entity, metric: 'error_ratio', timestamp: t0 + step * 60_000, value: 0.01 + 0.005 * daily + noise / 10 } });
      }
    }
    return records;
  };
  return {
    service: 'predictor',
    topic: 'telemetry.metrics',
    records: rows(0, coldStart),
    after: { what: `the next ${steps} steps (first trainings go on: at most 4 series per batch)`, records: rows(coldStart, coldStart + steps) },
    env: {},
    note: `${entities} hosts × 2 watched metrics: ${coldStart} steps of cold start (each series trains its first LSTM after 400 rows, inline in the batch), then ${steps} more`,
  };
}

/** Anomaly findings on `entities` hosts, each host's findings a minute apart: grouped into one incident per host. */
async function incidentsScenario(findings: number, entities: number): Promise<Scenario> {
  const url = process.env.VIGIL_BENCH_DATABASE_URL ?? 'postgres://postgres@localhost:5432/test';
  const schema = `vigil_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const records: Scenario['records'] = [];
  const t0 = Date.now() - 3_600_000;
  for (let i = 0; i < findings; i++) {
    const entity = `host-${i % entities}`;
    const timestamp = t0 + Math.floor(i / entities) * 1000;
    records.push({
      key: entity,
      value: { id: `bench-${i}`, entity, timestamp, source: 'metrics', score: 0.95, threshold: 0.5, scorer: 'autoencoder', kind: 'metric_anomaly', window: { start: timestamp - 1000, end: timestamp }, labels: { service: `svc-${i % 7}` }, contributions: [{ metric: 'latency', share: 0.8 }, { metric: 'errors', share: 0.2 }] },
    });
  }
  return {
    service: 'incidents',
    topic: 'aiops.anomalies',
    records,
    env: { VIGIL_DATABASE_URL: url, VIGIL_DATABASE_SCHEMA: schema, VIGIL_API_TOKENS: `bench-${randomBytes(8).toString('hex')}` },
    note: `${fmt(findings)} findings on ${entities} hosts into PostgreSQL (dedup, grouping, one incident per host); remediation is not in this process (its decisions: the [remediation] bench)`,
    cleanup: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    },
  };
}

export async function serviceBenches(brokers: string): Promise<ServiceBenchResult[]> {
  buildDist();
  const out: ServiceBenchResult[] = [];
  const p = predictorScenario(Number(process.env.BENCH_PREDICTOR_ENTITIES ?? 50), Number(process.env.BENCH_PREDICTOR_STEPS ?? 600));
  const i = await incidentsScenario(Number(process.env.BENCH_INCIDENTS_FINDINGS ?? 20_000), Number(process.env.BENCH_INCIDENTS_ENTITIES ?? 500));
  for (const s of [p, i]) {
    console.log(`\n[${s.service}] vigil start ${s.service} on ${s.topic}: ${s.note}`);
    const r = await run(brokers, s);
    console.log(`  bare kafkajs consumer ${fmt(r.bare_records_per_s)} records/s; ${s.service} ${fmt(r.service_records_per_s)} records/s (ratio ${r.ratio.toFixed(3)})`);
    if (r.after) console.log(`  then ${r.after.what}: ${fmt(r.after.service_records_per_s)} records/s (ratio ${r.after.ratio.toFixed(3)})`);
    console.log(`BENCH_JSON_SERVICE ${JSON.stringify(r)}`);
    out.push(r);
  }
  return out;
}
