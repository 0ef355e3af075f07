/**
 * The ingest gateway through a real broker, as its own process (`vigil start ingest` from
 * dist/): samples/s from Prometheus remote_write requests of 1,000 samples (protobuf, snappy)
 * answered only once Kafka acknowledged them, next to the bare kafkajs producer appending the
 * very records the gateway writes (same keys, values, headers, batches of 1,000, same producer
 * settings: idempotent, acks=all, snappy), alternating, in one run. Both keep the same number of
 * requests in flight (a Prometheus queue's shards).
 *
 * BENCH_INGEST_SECONDS (per run, default 10), BENCH_INGEST_REPEATS (default 3),
 * BENCH_INGEST_CONCURRENCY (requests in flight, default 4), BENCH_INGEST_MIN_RATIO (fail below,
 * default 0.3; the goal is 0.7). `npm run bench` runs it after the others;
 * `npx tsx test/bench/ingest.bench.ts` runs it alone (on KAFKA_BROKERS or a broker of its own).
 */
import { execFileSync, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { pathToFileURL } from 'node:url';
import kafkajs from 'kafkajs';
import { IngestService } from '../../src/ingest/ingest.service.js';
import { loadIngestOptions } from '../../src/ingest/options.js';
import { decodeRemoteWrite } from '../../src/ingest/remote-write.js';
import { quietKafkaJsTimeoutWarning } from '../../src/platform/cli/quiet-warnings.js';
import { KafkaBus } from '../../src/platform/kafka/kafka-bus.js';
import { metricBatches } from '../../src/platform/series/metric-batches.js';
import { freePorts } from '../../src/platform/kafka/local-broker.js';
import { loadCatalogue, topicSpecs } from '../../src/platform/streams/catalogue.js';
import { SchemaRegistry } from '../../src/platform/streams/validator.js';
import { REMOTE_WRITE_HEADERS, remoteWriteBody, type Series } from '../ingest-payloads.js';
import { benchBroker, fmt, machine, median } from './harness.js';

const BATCH = 1000;
const SERIES_PER_BATCH = 100;
const TOPIC = 'telemetry.metrics';

export interface IngestBenchResult {
  batch: number;
  concurrency: number;
  seconds: number;
  /** samples/s acknowledged, per run. */
  bare: number[];
  http: number[];
  ratio: number;
  /** HTTP answers other than 204 during the HTTP runs. */
  errors: number;
}

export async function ingestBench(brokers: string, options: { seconds?: number; repeats?: number; concurrency?: number } = {}): Promise<IngestBenchResult> {
  const seconds = options.seconds ?? Number(process.env.BENCH_INGEST_SECONDS ?? 10);
  const repeats = options.repeats ?? Number(process.env.BENCH_INGEST_REPEATS ?? 3);
  const concurrency = options.concurrency ?? Number(process.env.BENCH_INGEST_CONCURRENCY ?? 4);
  const run = `bi${Date.now().toString(36)}`;

  // Request bodies made ahead (the client's encoding is not what is measured): 100 hosts x 10
  // samples 15 s apart per request, every request a later time window, as a Prometheus queue sends.
  const bodies = Array.from({ length: 200 }, (_, b) => {
    const series: Series[] = Array.from({ length: SERIES_PER_BATCH }, (_, s) => ({
      labels: { __name__: `node_metric_${s % 10}`, instance: `${run}-host-${s}:9100`, job: 'node' },
      samples: Array.from({ length: BATCH / SERIES_PER_BATCH }, (_, k) => [1_700_000_000_000 + (b * 10 + k) * 15_000, (b * 7 + k * 3 + s) % 101] as [number, number]),
    }));
    return remoteWriteBody(series);
  });
  // The bare producer sends exactly what the gateway would write for the same requests.
  const service = new IngestService(loadIngestOptions({}), new SchemaRegistry(loadCatalogue()));
  // (one record per entity of a request, holding its samples: see metricBatches).
  const bareBatches = bodies.map((body) =>
    metricBatches(service.remoteWrite(decodeRemoteWrite(body, 64 * 1024 * 1024), 'default').records).map((b) => ({
      key: b.entity,
      value: b.json,
      headers: { 'vigil-id': b.id, 'content-type': 'application/json' },
    })),
  );

  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  const admin = new KafkaBus({ clientId: 'bench-ingest-admin', brokers: brokers.split(','), logLevel: 1 });
  await admin.connect();
  await admin.applyTopics(topicSpecs(loadCatalogue(), 1));
  await admin.disconnect();

  const [port] = await freePorts(1);
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['dist/main.js', 'start', 'ingest', '--port', String(port)], {
    env: { ...process.env, KAFKA_BROKERS: brokers, VIGIL_GROUP_PREFIX: `bench-${run}`, INGEST_KAFKA_INPUT: 'false', VIGIL_APPLY_TOPICS: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const s of [child.stdout!, child.stderr!]) s.setEncoding('utf8').on('data', (d: string) => (output += d));
  const kafka = new kafkajs.Kafka({ clientId: 'bench-ingest-bare', brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING });
  // The gateway's producer settings (KafkaBus): idempotent, acks=all, snappy.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5, allowAutoTopicCreation: false });
  await producer.connect();
  const bare: number[] = [];
  const http: number[] = [];
  let errors = 0;
  try {
    const deadline = Date.now() + 60_000;
    while ((await fetch(`${base}/health/ready`).catch(() => undefined))?.ok !== true) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`vigil start ingest did not get ready:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // Warm-up of both paths (connections, JIT, partition leaders).
    await timed(3, concurrency, (i) => postBody(base, bodies[i % bodies.length]!));
    await timed(3, concurrency, (i) => sendBare(producer, bareBatches[i % bareBatches.length]!));
    for (let r = 0; r < repeats; r++) {
      for (const which of r % 2 === 0 ? ['bare', 'http'] : ['http', 'bare']) {
        if (which === 'http') {
          const res = await timed(seconds, concurrency, (i) => postBody(base, bodies[i % bodies.length]!));
          errors += res.failed;
          http.push(res.perSecond);
        } else {
          bare.push((await timed(seconds, concurrency, (i) => sendBare(producer, bareBatches[i % bareBatches.length]!))).perSecond);
        }
        console.log(`  run ${r + 1} ${which.padEnd(5)} ${fmt((which === 'http' ? http : bare).at(-1)!)} samples/s`);
      }
    }
  } finally {
    agent.destroy();
    await producer.disconnect();
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
  return { batch: BATCH, concurrency, seconds, bare, http, ratio: median(http) / median(bare), errors };
}

/** `concurrency` loops doing `task` back to back for `seconds`: acknowledged samples per second. */
async function timed(seconds: number, concurrency: number, task: (i: number) => Promise<boolean>): Promise<{ perSecond: number; failed: number }> {
  const started = performance.now();
  const end = started + seconds * 1000;
  let next = 0;
  let done = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        if (await task(next++)) done++;
        else failed++;
      }
    }),
  );
  return { perSecond: (done * BATCH) / ((performance.now() - started) / 1000), failed };
}

/** node:http with keep-alive: a lighter client than fetch, as the bare side has no HTTP client at all. */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function postBody(base: string, body: Buffer): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/v1/write`, { method: 'POST', agent, headers: { ...REMOTE_WRITE_HEADERS, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 204));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function sendBare(producer: kafkajs.Producer, messages: kafkajs.Message[]): Promise<boolean> {
  await producer.send({ topic: TOPIC, acks: -1, compression: kafkajs.CompressionTypes.Snappy, messages });
  return true;
}

/** `npm run bench` step: prints the figures, false when the ratio is below BENCH_INGEST_MIN_RATIO. */
export async function runIngestBench(brokers: string): Promise<{ ok: boolean; result: IngestBenchResult }> {
  const minRatio = Number(process.env.BENCH_INGEST_MIN_RATIO ?? 0.3);
  console.log('\n[ingest] remote_write of 1,000 samples through the gateway (vigil start ingest) vs the bare kafkajs producer');
  const r = await ingestBench(brokers);
  console.log(`  bare kafkajs producer median ${fmt(median(r.bare))} samples/s`);
  console.log(`  gateway (HTTP → Kafka)  median ${fmt(median(r.http))} samples/s, ${r.errors} non-204 answers`);
  console.log(`  ratio ${r.ratio.toFixed(3)} (goal >= 0.7), ${r.concurrency} requests in flight`);
  console.log(`BENCH_JSON_INGEST ${JSON.stringify({ ...r, bare_median: median(r.bare), http_median: median(r.http) })}`);
  if (r.ratio < minRatio || r.errors > 0) {
    console.error(`  FAIL: ratio ${r.ratio.toFixed(3)} (BENCH_INGEST_MIN_RATIO ${minRatio}), ${r.errors} errors`);
    return { ok: false, result: r };
  }
  return { ok: true, result: r };
}

// Run alone: `npx tsx test/bench/ingest.bench.ts`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  quietKafkaJsTimeoutWarning();
  const broker = await benchBroker();
  let ok = false;
  try {
    console.log(`vigil ingest bench — ${machine()}; broker ${broker.brokers}`);
    ok = (await runIngestBench(broker.brokers)).ok;
  } finally {
    await broker.stop();
  }
  process.exit(ok ? 0 : 1);
}
