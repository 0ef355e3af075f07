/**
 * The pipeline end to end: `vigil start ingest detector` as its own process (from dist/). The
 * bench's clients (BENCH_PIPELINE_CLIENTS, default 4, as a fleet's scrapers or a Prometheus
 * queue's shards) each post one time step of their share of the entities per request to the
 * ingest gateway's JSON endpoint (in order, as a scraper would), each entity goes wrong once after a clean warm-up, and the
 * anomalies are read back from aiops.anomalies. Reported: samples/s acknowledged by ingest,
 * samples/s scored by the detector, the latency from the request that closes an anomalous step
 * being acknowledged to its anomaly being appended (p50/p99), and RSS per 1,000 entities.
 *
 * Ingest writes one record per entity and request (its 8 samples), as it does for every client.
 * `rate` (samples/s) paces the requests; without, they go as fast as they are acknowledged.
 *
 * BENCH_PIPELINE_ENTITIES (default 200, × 8 metrics), BENCH_PIPELINE=false skips it;
 * BENCH_PIPELINE_HALF_LOAD=false skips the second pass at half the first one's scored rate;
 * BENCH_PIPELINE_WARMUPS (default 1) unreported passes first, so the broker has compiled its hot
 * paths as a running one has. Each pass has topics of its own (it reads nothing an earlier one wrote).
 */
import { readFileSync } from 'node:fs';
import type { BusRecord } from '../../src/platform/bus/types.js';
import { freePorts } from '../../src/platform/kafka/local-broker.js';
import { VigilProcess } from '../support/vigil-process.js';
import { buildDist, cpuSeconds, fmt } from './harness.js';
import { runTopics } from './run-topics.js';

const METRICS = ['cpu', 'memory', 'requests', 'latency', 'errors', 'disk', 'net_in', 'gc'];
const STEP_MS = 60_000;
const WARM_STEPS = 200;
const FAULT_STEPS = 10;
/** Faults start over this many steps after the warm-up, spread across entities. */
const FAULT_SPREAD = 40;

export interface PipelineResult {
  entities: number;
  /** Scrapers posting side by side, each its share of the entities. */
  clients: number;
  /** samples/s the requests were paced to; 0: as fast as acknowledged. */
  offered_samples_per_s: number;
  samples: number;
  ingest_samples_per_s: number;
  detector_samples_per_s: number;
  anomalies: number;
  entities_flagged: number;
  latency_ms: { p50: number; p99: number; max: number };
  rss_mib: number;
  rss_per_1000_entities_mib: number;
  /** CPU time per scored sample from the first request to the last sample scored: where the cores went. */
  cpu_us_per_sample: { vigil: number; broker?: number; bench: number };
  /** The detector's batches of telemetry.metrics records: the broker's work goes with their count. */
  detector_batches: number;
  records_per_batch: number;
}

function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const counter = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
/** A series' value by its name and one label matcher written as Prometheus prints it (`topic="telemetry.metrics"`). */
const labelled = (text: string, name: string, label: string) => Number(new RegExp(`^${name}\\{[^}]*${label}[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);

export async function pipelineBench(
  brokers: string,
  rate = 0,
  entities = Number(process.env.BENCH_PIPELINE_ENTITIES ?? 200),
  clients = Number(process.env.BENCH_PIPELINE_CLIENTS ?? 4),
  brokerPid?: number,
): Promise<PipelineResult> {
  if (rate === 0) buildDist();
  const run = `pl${Date.now().toString(36)}`;
  // Topics of its own: a second pass on the same broker must not read the first one's samples.
  const topics = await runTopics(brokers, run, 'bench-pipeline');
  const bus = topics.bus;
  const [port] = await freePorts(1);
  const url = `http://127.0.0.1:${port}`;
  const vigil = new VigilProcess(['start', 'ingest', 'detector', '--port', String(port)], { KAFKA_BROKERS: brokers, VIGIL_DEMO: 'false', VIGIL_GROUP_PREFIX: run, VIGIL_TOPIC_PREFIX: topics.prefix });
  const anomalies: BusRecord[] = [];
  const reader = await bus.subscribe({ groupId: `${run}-reader`, topics: ['aiops.anomalies'], fromBeginning: true }, async (batch, control) => {
    anomalies.push(...batch.records.filter((r) => r.key?.toString().startsWith(run)));
    await control.commit(String(BigInt(batch.records.at(-1)!.offset) + 1n));
  });
  try {
    for (let t = Date.now(); !(await fetch(`${url}/health/ready`).catch(() => undefined))?.ok; ) {
      if (Date.now() - t > 120_000) throw new Error('vigil start ingest detector did not get ready');
      await new Promise((r) => setTimeout(r, 200));
    }
    const t0 = Math.floor(Date.now() / STEP_MS) * STEP_MS - 400 * STEP_MS;
    const steps = WARM_STEPS + FAULT_SPREAD + FAULT_STEPS + 1;
    // ackAt[client][step]: when that client's request of that step was acknowledged.
    const ackAt: number[][] = Array.from({ length: clients }, () => []);
    const started = performance.now();
    const wallStart = Date.now();
    const cpuAtStart = { vigil: cpuSeconds(vigil.child.pid!), broker: brokerPid && cpuSeconds(brokerPid), bench: process.cpuUsage() };
    let samples = 0;
    /** One scraper: its share of the entities (every clients-th), one request per step, in order. */
    const scrape = async (client: number) => {
      let sent = 0;
      for (let step = 0; step < steps; step++) {
        const body = [];
        for (let e = client; e < entities; e += clients) {
          const faultAt = WARM_STEPS + (e % FAULT_SPREAD);
          const bad = step >= faultAt && step < faultAt + FAULT_STEPS;
          for (const [j, metric] of METRICS.entries()) {
            let value = 10 * (j + 1) * (1 + 0.2 * Math.sin((2 * Math.PI * step) / 1440 + e)) + ((step * 7919 + e * 31 + j * 17) % 100) / 100;
            if (bad && (metric === 'latency' || metric === 'errors')) value *= 6;
            body.push({ entity: `${run}-host-${e}`, metric, timestamp: t0 + step * STEP_MS, value });
          }
        }
        if (rate > 0) {
          // Paced: this request is due when the samples before it took their share of a second.
          const wait = started + (sent / (rate / clients)) * 1000 - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        const res = await fetch(`${url}/ingest/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        if (res.status >= 300) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
        ackAt[client]![step] = Date.now();
        sent += body.length;
        samples += body.length;
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, c) => scrape(c)));
    const ingestSeconds = (performance.now() - started) / 1000;
    // The last step stays open (nothing closes it): everything before it must be scored.
    const expected = samples - entities * METRICS.length;
    let scoredAt = Date.now();
    for (let t = Date.now(); Date.now() - t < 300_000; ) {
      if (counter(await (await fetch(`${url}/metrics`)).text(), 'vigil_detector_samples_scored_total') >= expected) {
        scoredAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const perSample = (seconds: number) => (seconds * 1e6) / expected;
    const cpu = {
      vigil: perSample(cpuSeconds(vigil.child.pid!) - cpuAtStart.vigil),
      ...(brokerPid && cpuAtStart.broker !== undefined ? { broker: perSample(cpuSeconds(brokerPid) - cpuAtStart.broker) } : {}),
      bench: perSample(Object.values(process.cpuUsage(cpuAtStart.bench)).reduce((a, b) => a + b, 0) / 1e6),
    };
    await new Promise((r) => setTimeout(r, 2000)); // the last anomalies' appends and reads
    const latencies = anomalies.map((a) => {
      const event = JSON.parse(a.value!.toString()) as { entity: string; window: { start: number } };
      const step = Math.round((event.window.start - t0) / STEP_MS);
      const client = Number(event.entity.slice(`${run}-host-`.length)) % clients;
      return Number(a.timestamp) - (ackAt[client]?.[step + 1] ?? NaN);
    }).filter(Number.isFinite);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const batches = labelled(metrics, 'vigil_batch_records_count', 'topic="telemetry.metrics"');
    const status = readFileSync(`/proc/${vigil.child.pid}/status`, 'utf8');
    const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024;
    return {
      entities,
      clients,
      offered_samples_per_s: rate,
      samples,
      ingest_samples_per_s: samples / ingestSeconds,
      detector_samples_per_s: expected / ((scoredAt - wallStart) / 1000),
      anomalies: anomalies.length,
      entities_flagged: new Set(anomalies.map((a) => a.key?.toString())).size,
      latency_ms: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: Math.max(...latencies) },
      rss_mib: rss,
      rss_per_1000_entities_mib: (rss / entities) * 1000,
      cpu_us_per_sample: cpu,
      detector_batches: batches,
      records_per_batch: labelled(metrics, 'vigil_batch_records_sum', 'topic="telemetry.metrics"') / Math.max(1, batches),
    };
  } finally {
    await reader.stop();
    await vigil.stop();
    await topics.drop();
  }
}

export function printPipeline(r: PipelineResult): void {
  const pace = r.offered_samples_per_s > 0 ? `paced to ${fmt(r.offered_samples_per_s)} samples/s` : 'as fast as acknowledged';
  console.log(`  ${r.entities} entities x 8 metrics, ${fmt(r.samples)} samples posted by ${r.clients} clients side by side (each its share of the entities, one step per request, in order), ${pace}`);
  console.log(`  ingest acknowledged ${fmt(r.ingest_samples_per_s)} samples/s; detector scored ${fmt(r.detector_samples_per_s)} samples/s (from the first request)`);
  console.log(`  ${r.anomalies} anomalies on ${r.entities_flagged} of ${r.entities} entities (each went wrong once)`);
  console.log(`  step-closing request acknowledged -> anomaly appended: p50 ${r.latency_ms.p50} ms, p99 ${r.latency_ms.p99} ms, max ${r.latency_ms.max} ms`);
  const c = r.cpu_us_per_sample;
  console.log(`  CPU per sample scored: vigil ${c.vigil.toFixed(1)} us, broker ${c.broker?.toFixed(1) ?? '(not ours)'} us, this bench (clients and reader) ${c.bench.toFixed(1)} us; the detector read ${fmt(r.detector_batches)} batches of ${r.records_per_batch.toFixed(1)} records`);
  console.log(`  RSS ${r.rss_mib.toFixed(0)} MiB = ${r.rss_per_1000_entities_mib.toFixed(0)} MiB per 1,000 entities (ingest and detector in one process)`);
}
