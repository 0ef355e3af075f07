/**
 * The detector at fleet scale (issue 17): `vigil start detector` as its own process (from dist/),
 * so the RSS is the detector's own, holding `entities` × 8 metrics through the real broker at
 * 10-s steps, one sample per Kafka record on telemetry.metrics (12 partitions), keyed by entity.
 *
 * 1. History: `historySteps` back-dated steps of every entity (past the 150-step warm-up),
 *    produced as fast as the broker takes them while no detector runs (the producer alone),
 *    then the detector is started and catches up: samples / (ready → its group's committed
 *    offsets reach the end offsets).
 * 2. Live: `liveSteps` more steps, one step of every entity every `stepSeconds` of wall time
 *    (event time keeps its 10-s spacing), each step sent as fast as the producers go (two, side
 *    by side, each sending chunks of CHUNK_ENTITIES entities of its own in order). `faulty` entities, spread over the fleet and over the
 *    live steps, get a gross fault (every metric FAULT_SIGMAS standard deviations of its noise
 *    above its mean) for `faultSteps` steps. Step → anomaly latency: from the bench handing the
 *    chunk that holds the entity's first sample of the next step (the sample that closes the
 *    flagged step) to the producer (Date.now() just before `send`; kafkajs stamps the record's
 *    CreateTime after that) to the anomaly record's timestamp on aiops.anomalies (CreateTime,
 *    stamped by the detector's producer as it appends; one clock, one machine); the reader's
 *    receive time is reported beside it. The group's lag on telemetry.metrics is sampled every
 *    second, and just before each step's first send (0 means the detector finished the last
 *    step within the step's wall time). The bench process runs 10 nice levels down meanwhile:
 *    its producers stand in for machines of their own, not for a third party on the 2 cores.
 * 3. Memory: VmRSS / VmHWM of the child from /proc, RSS per series, the detector's own state
 *    bytes per series (vigil_detector_state_bytes: sizes at each entity's last checkpoint),
 *    heap used, and the checkpoint bytes appended per second during the live phase (entities
 *    fall due every DETECTOR_CHECKPOINT_ROWS steps, staggered; a catch-up batch holding 100 or
 *    more steps of an entity checkpoints it once, so with small fleets, whose partitions' fetches
 *    span the whole history, the live phase may see none).
 *
 * Every topic lives under a prefix of its own (VIGIL_TOPIC_PREFIX) and is deleted at the end.
 * BENCH_FLEET_ENTITIES (12,500), BENCH_FLEET_HISTORY_STEPS (170), BENCH_FLEET_LIVE_STEPS (18),
 * BENCH_FLEET_STEP_SECONDS (10: wall seconds per live step), BENCH_FLEET_FAULTY (250),
 * BENCH_FLEET_FAULT_STEPS (3); BENCH_DETECTOR=false skips it.
 */
import { readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { BusRecord, OutRecord } from '../../src/platform/bus/types.js';
import { KafkaBus } from '../../src/platform/kafka/kafka-bus.js';
import { freePorts } from '../../src/platform/kafka/local-broker.js';
import { VigilProcess } from '../support/vigil-process.js';
import { buildDist, fmt } from './harness.js';
import { runTopics } from './run-topics.js';

const METRICS = ['cpu_utilization', 'memory_used_ratio', 'request_rate', 'latency_p99_seconds', 'error_ratio', 'disk_used_ratio', 'network_in_bytes', 'gc_pause_seconds'];
const STEP_MS = 10_000;
/** Entities per producer call: 4,000 records of ~130 bytes, one produce request. */
const CHUNK_ENTITIES = 500;
const FAULT_SIGMAS = 50;
/** The goal of issue 17: at most this much memory per series. */
export const GOAL_BYTES_PER_SERIES = 32 * 1024;
const WARMUP_STEPS = 150;

export interface FleetOptions {
  entities: number;
  historySteps: number;
  liveSteps: number;
  /** Wall seconds between live steps (10 is the real pace; CI compresses it). */
  stepSeconds: number;
  faulty: number;
  faultSteps: number;
}

export function fleetOptions(env: NodeJS.ProcessEnv = process.env): FleetOptions {
  const o = {
    entities: Number(env.BENCH_FLEET_ENTITIES ?? 12_500),
    historySteps: Number(env.BENCH_FLEET_HISTORY_STEPS ?? 170),
    liveSteps: Number(env.BENCH_FLEET_LIVE_STEPS ?? 18),
    stepSeconds: Number(env.BENCH_FLEET_STEP_SECONDS ?? 10),
    faulty: Number(env.BENCH_FLEET_FAULTY ?? 250),
    faultSteps: Number(env.BENCH_FLEET_FAULT_STEPS ?? 3),
  };
  if (o.historySteps < WARMUP_STEPS + 10) throw new Error(`BENCH_FLEET_HISTORY_STEPS must be at least ${WARMUP_STEPS + 10} (past the detector's warm-up)`);
  if (o.liveSteps < o.faultSteps + 3) throw new Error('BENCH_FLEET_LIVE_STEPS must be at least BENCH_FLEET_FAULT_STEPS + 3');
  if (!(o.faulty >= 1 && o.faulty <= o.entities)) throw new Error('BENCH_FLEET_FAULTY must be between 1 and BENCH_FLEET_ENTITIES');
  return o;
}

export interface FleetResult {
  entities: number;
  series: number;
  history_steps: number;
  live_steps: number;
  step_seconds: number;
  samples: number;
  /** The bench's producer, nothing else running but the broker (samples/s). */
  producer_samples_per_s: number;
  /** History samples / (detector ready → its group committed them all). */
  detector_catch_up_samples_per_s: number;
  /** History samples / (first send → the detector's group committed them all), start-up included. */
  end_to_end_samples_per_s: number;
  startup_seconds: number;
  catch_up_seconds: number;
  /** The producer's time to send one live step (median, max; s). */
  live_send_seconds: { median: number; max: number };
  /** A live step's first send → the detector's group has committed all of it (s), and steps that took longer than their step. */
  live_step_committed_seconds: { median: number; max: number; late_steps: number };
  faulty_entities: number;
  faults_flagged: number;
  /** Faults flagged at their first faulty step. */
  faults_flagged_first_step: number;
  /** Step-closing sample handed to the producer → anomaly record timestamp (ms). */
  latency_ms: { p50: number; p99: number; max: number };
  /** The same to the reader's receive time (ms). */
  latency_received_ms: { p50: number; p99: number; max: number };
  /** Anomalies on entities or steps without a fault (history after warm-up, and live). */
  other_anomalies: { history: number; live: number };
  /** Lag on telemetry.metrics, records. */
  lag: { max_live: number; max_before_step: number; end: number; drained_seconds: number };
  samples_scored: number;
  samples_expected: number;
  samples_dropped: number;
  dead_lettered: number;
  rss_mib: { ready: number; after_catch_up: number; live_max: number; end: number; peak: number };
  rss_bytes_per_series: number;
  /** (RSS at the end − RSS at ready, before any entity) / series. */
  rss_added_bytes_per_series: number;
  state_bytes_per_series: number;
  heap_used_mib: number;
  heap_total_mib: number;
  /** Memory of ArrayBuffers and Buffers (the state's typed arrays among them), outside the JS heap. */
  external_mib: number;
  checkpoint_bytes_per_s: number;
  checkpoints_per_s: number;
  stop_seconds: number;
  stop_exit_code: number | null;
}

/** A cheap deterministic noise in [-0.5, 0.5) for (entity, step, metric). */
function noise(e: number, s: number, j: number): number {
  let h = (Math.imul(e, 0x9e3779b1) ^ Math.imul(s, 0x85ebca6b) ^ Math.imul(j + 1, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32 - 0.5;
}

/** Metric j of entity e at step s: a daily cycle, uniform noise of spread (j + 1), and the fault. */
function value(e: number, s: number, j: number, faulty: boolean): number {
  const level = 10 * (j + 1) * (1 + 0.3 * Math.sin((2 * Math.PI * s * STEP_MS) / 86_400_000 + (e % 24)));
  // The noise's standard deviation is (j + 1) / sqrt(12).
  return faulty ? level + (FAULT_SIGMAS * (j + 1)) / Math.sqrt(12) : level + noise(e, s, j) * (j + 1);
}

function percentiles(xs: number[]): { p50: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!);
  return { p50: at(0.5), p99: at(0.99), max: s.length === 0 ? NaN : s.at(-1)! };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** VmRSS and VmHWM (peak) of a process, MiB. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** The sum of a metric's samples over all its label sets in a /metrics text. */
const sumOf = (text: string, name: string) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((s, m) => s + Number(m[1]), 0);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function fleetBench(brokers: string, o: FleetOptions): Promise<FleetResult> {
  buildDist();
  const priority = getPriority();
  const run = `fleet${Date.now().toString(36)}`;
  const topics = await runTopics(brokers, run, 'bench-fleet-0');
  const { prefix, bus, admin } = topics;
  const topic = 'telemetry.metrics';
  const series = o.entities * METRICS.length;
  // Two producers, each sending its own entities in order (one chunk after another), side by side.
  const second = new KafkaBus({ clientId: 'bench-fleet-1', brokers: brokers.split(','), logLevel: 1 }, { topicPrefix: prefix });
  await second.connect();
  const producers = [bus, second];
  let vigil: VigilProcess | undefined;
  let reader: Awaited<ReturnType<KafkaBus['subscribe']>> | undefined;
  const timers: NodeJS.Timeout[] = [];
  try {
    // Faulty entities spread over the fleet (and so over partitions and chunk positions), each
    // with its fault starting at a live step of its own, its last closing step still sent.
    const faultStartChoices = o.liveSteps - 2 - o.faultSteps;
    const faultAt = new Map<number, number>();
    for (let i = 0; i < o.faulty; i++) faultAt.set(Math.floor((i * o.entities) / o.faulty), o.historySteps + 2 + (i % faultStartChoices));
    const names = Array.from({ length: o.entities }, (_, e) => `${run}-host-${String(e).padStart(5, '0')}`);
    const t0 = Math.floor(Date.now() / STEP_MS) * STEP_MS - o.historySteps * STEP_MS;
    const chunk = (s: number, from: number): OutRecord[] => {
      const records: OutRecord[] = [];
      for (let e = from; e < Math.min(o.entities, from + CHUNK_ENTITIES); e++) {
        const f = faultAt.get(e);
        const bad = f !== undefined && s >= f && s < f + o.faultSteps;
        for (let j = 0; j < METRICS.length; j++) {
          records.push({ topic, key: names[e]!, value: JSON.stringify({ entity: names[e], metric: METRICS[j], labels: { job: 'node' }, timestamp: t0 + s * STEP_MS, value: value(e, s, j, bad) }) });
        }
      }
      return records;
    };

    /** One step of every entity; `stamp(chunk)` just before each chunk is handed to its producer. */
    const sendStep = (s: number, stamp?: (chunkIndex: number) => void) =>
      Promise.all(
        producers.map(async (p, i) => {
          for (let c = i; c * CHUNK_ENTITIES < o.entities; c += producers.length) {
            const records = chunk(s, c * CHUNK_ENTITIES);
            stamp?.(c);
            await p.send(records);
          }
        }),
      );

    // 1. History, the producer alone.
    const firstSend = Date.now();
    let lastReport = firstSend;
    for (let s = 0; s < o.historySteps; s++) {
      await sendStep(s);
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        console.log(`  history: ${s + 1} of ${o.historySteps} steps sent (${fmt(((s + 1) * series) / ((Date.now() - firstSend) / 1000))} samples/s)`);
      }
    }
    const historySamples = o.historySteps * series;
    const producerSeconds = (Date.now() - firstSend) / 1000;
    console.log(`  history: ${fmt(historySamples)} samples sent in ${producerSeconds.toFixed(1)} s; starting the detector`);

    const [port] = await freePorts(1);
    const url = `http://127.0.0.1:${port}`;
    const spawned = Date.now();
    vigil = new VigilProcess(['start', 'detector', '--port', String(port)], { KAFKA_BROKERS: brokers, VIGIL_DEMO: 'false', VIGIL_GROUP_PREFIX: run, VIGIL_TOPIC_PREFIX: prefix });
    const pid = vigil.child.pid!;
    await vigil.until(async () => (await fetch(`${url}/health/ready`).catch(() => undefined))?.ok === true, 120_000, 'vigil start detector ready');
    const ready = Date.now();
    const rssReady = memory(pid).rss;
    const group = `${run}-detector`;
    const onCluster = `${prefix}${topic}`;
    const lag = async () => {
      const [offsets, ends] = await Promise.all([admin.fetchOffsets({ groupId: group, topics: [onCluster] }), admin.fetchTopicOffsets(onCluster)]);
      return ends.reduce((n, e) => {
        const c = Number(offsets[0]?.partitions.find((p) => p.partition === e.partition)?.offset ?? -1);
        return n + Math.max(0, Number(e.offset) - Math.max(0, c));
      }, 0);
    };
    let rssSampledPeak = 0;
    let rssLiveMax = 0;
    let live = false;
    timers.push(
      setInterval(() => {
        if (vigil?.watch.exited !== false) return;
        const rss = memory(pid).rss;
        rssSampledPeak = Math.max(rssSampledPeak, rss);
        if (live) rssLiveMax = Math.max(rssLiveMax, rss);
      }, 1000),
    );

    // Anomalies, from the beginning of the run's own topic.
    const anomalies: Array<{ record: BusRecord; receivedAt: number }> = [];
    const readTo = new Map<number, bigint>();
    reader = await bus.subscribe({ groupId: `${run}-reader`, topics: ['aiops.anomalies'], fromBeginning: true }, async (batch, control) => {
      const receivedAt = Date.now();
      for (const record of batch.records) anomalies.push({ record, receivedAt });
      const next = BigInt(batch.records.at(-1)!.offset) + 1n;
      readTo.set(batch.partition, next);
      await control.commit(String(next));
    });

    // Catch-up: until the group has committed every history record.
    let caughtUp = 0;
    for (lastReport = Date.now(); ; await sleep(1000)) {
      const l = await lag();
      if (l === 0) {
        caughtUp = Date.now();
        break;
      }
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        console.log(`  catch-up: lag ${fmt(l)} records, ${fmt((historySamples - l) / ((Date.now() - ready) / 1000))} samples/s since ready, RSS ${fmt(memory(pid).rss)} MiB`);
      }
      if (Date.now() - ready > 3_600_000) throw new Error(`the detector did not catch up within an hour (lag ${l})`);
    }
    const rssAfterCatchUp = memory(pid).rss;
    console.log(`  catch-up: done in ${((caughtUp - ready) / 1000).toFixed(1)} s, RSS ${fmt(rssAfterCatchUp)} MiB`);
    const scrape = async () => (await fetch(`${url}/metrics`)).text();
    const before = await scrape();

    // 2. Live, at the step's wall pace.
    live = true;
    const stamps: number[][] = [];
    const sendSeconds: number[] = [];
    /** Per live step: its first send → the group's lag back to 0 (steps still behind at the next one left out). */
    const drainSeconds: number[] = [];
    const lagBeforeStep: number[] = [];
    let maxLagLive = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxLagLive = Math.max(maxLagLive, await lag().catch(() => 0));
        await sleep(1000);
      }
    })();
    // The bench's producers stand in for machines of their own: below the detector and the broker.
    setPriority(Math.min(19, priority + 10));
    const liveStart = Date.now() + 1000;
    for (let k = 0; k < o.liveSteps; k++) {
      const s = o.historySteps + k;
      const tick = liveStart + k * o.stepSeconds * 1000;
      if (Date.now() < tick) await sleep(tick - Date.now());
      if (k > 0) lagBeforeStep.push(await lag());
      const started = Date.now();
      const row: number[] = (stamps[s] = []);
      await sendStep(s, (c) => (row[c] = Date.now()));
      sendSeconds.push((Date.now() - started) / 1000);
      // Until the group has committed the step (or the next one is due).
      const nextTick = tick + o.stepSeconds * 1000;
      while (Date.now() < nextTick - 250 && (await lag()) > 0) await sleep(250);
      if (Date.now() < nextTick - 250) drainSeconds.push((Date.now() - started) / 1000);
      if (k % 6 === 5 || k === o.liveSteps - 1) console.log(`  live: step ${k + 1} of ${o.liveSteps} sent in ${sendSeconds.at(-1)!.toFixed(2)} s, committed in ${drainSeconds.length > 0 ? `${drainSeconds.at(-1)!.toFixed(2)} s` : '-'}; lag before it ${fmt(lagBeforeStep.at(-1) ?? 0)}, max so far ${fmt(maxLagLive)}; RSS ${fmt(memory(pid).rss)} MiB`);
    }
    const lastSent = Date.now();
    setPriority(priority);
    let lagEnd = await lag();
    while (lagEnd > 0 && Date.now() - lastSent < 300_000) {
      await sleep(250);
      lagEnd = await lag();
    }
    const drained = Date.now();
    live = false;
    sampling = false;
    await sampler;
    // Anomalies are appended before the commit: read them up to the end offsets now.
    const ends = await bus.endOffsets('aiops.anomalies');
    await vigil.until(() => ends.every((e) => BigInt(e.offset) === 0n || (readTo.get(e.partition) ?? 0n) >= BigInt(e.offset)), 60_000, 'the anomalies read back');
    const after = await scrape();
    const liveSeconds = (drained - liveStart) / 1000;
    const mem = memory(pid);

    // Anomalies: each faulty entity's first within its fault, and the others.
    const byName = new Map(names.map((n, e) => [n, e]));
    const latencies: number[] = [];
    const received: number[] = [];
    const flagged = new Set<number>();
    let firstStep = 0;
    const other = { history: 0, live: 0 };
    for (const { record, receivedAt } of anomalies.sort((a, b) => a.record.timestamp - b.record.timestamp)) {
      const event = JSON.parse(record.value!.toString()) as { entity: string; window: { start: number } };
      const e = byName.get(event.entity);
      if (e === undefined) continue;
      const s = Math.round((event.window.start - t0) / STEP_MS);
      const f = faultAt.get(e);
      if (f !== undefined && s >= f && s < f + o.faultSteps) {
        if (flagged.has(e)) continue;
        flagged.add(e);
        if (s === f) firstStep++;
        const closed = stamps[s + 1]?.[Math.floor(e / CHUNK_ENTITIES)];
        if (closed !== undefined) {
          latencies.push(record.timestamp - closed);
          received.push(receivedAt - closed);
        }
      } else if (s < o.historySteps) other.history++;
      else other.live++;
    }

    const stateBytes = sumOf(after, 'vigil_detector_state_bytes');
    const samples = (o.historySteps + o.liveSteps) * series;
    // The last step stays open: nothing closes it.
    const expected = samples - series;
    const stopStarted = Date.now();
    const exitCode = await vigil.stop(180_000);
    const stopSeconds = (Date.now() - stopStarted) / 1000;
    vigil = undefined;
    return {
      entities: o.entities,
      series,
      history_steps: o.historySteps,
      live_steps: o.liveSteps,
      step_seconds: o.stepSeconds,
      samples,
      producer_samples_per_s: historySamples / producerSeconds,
      detector_catch_up_samples_per_s: historySamples / ((caughtUp - ready) / 1000),
      end_to_end_samples_per_s: historySamples / ((caughtUp - firstSend) / 1000),
      startup_seconds: (ready - spawned) / 1000,
      catch_up_seconds: (caughtUp - ready) / 1000,
      live_send_seconds: { median: median(sendSeconds), max: Math.max(...sendSeconds) },
      live_step_committed_seconds: { median: median(drainSeconds), max: Math.max(0, ...drainSeconds), late_steps: o.liveSteps - drainSeconds.length },
      faulty_entities: o.faulty,
      faults_flagged: flagged.size,
      faults_flagged_first_step: firstStep,
      latency_ms: percentiles(latencies),
      latency_received_ms: percentiles(received),
      other_anomalies: other,
      lag: { max_live: maxLagLive, max_before_step: Math.max(0, ...lagBeforeStep), end: lagEnd, drained_seconds: (drained - lastSent) / 1000 },
      samples_scored: sumOf(after, 'vigil_detector_samples_scored_total'),
      samples_expected: expected,
      samples_dropped: sumOf(after, 'vigil_detector_samples_dropped_total'),
      dead_lettered: sumOf(after, 'vigil_records_dead_lettered_total'),
      rss_mib: { ready: rssReady, after_catch_up: rssAfterCatchUp, live_max: rssLiveMax, end: mem.rss, peak: Math.max(mem.peak, rssSampledPeak) },
      rss_bytes_per_series: (mem.rss * 2 ** 20) / series,
      rss_added_bytes_per_series: ((mem.rss - rssReady) * 2 ** 20) / series,
      state_bytes_per_series: stateBytes / series,
      heap_used_mib: sumOf(after, 'nodejs_heap_size_used_bytes') / 2 ** 20,
      heap_total_mib: sumOf(after, 'nodejs_heap_size_total_bytes') / 2 ** 20,
      external_mib: sumOf(after, 'nodejs_external_memory_bytes') / 2 ** 20,
      checkpoint_bytes_per_s: (sumOf(after, 'vigil_detector_checkpoint_bytes_total') - sumOf(before, 'vigil_detector_checkpoint_bytes_total')) / liveSeconds,
      checkpoints_per_s: (sumOf(after, 'vigil_detector_checkpoints_written_total') - sumOf(before, 'vigil_detector_checkpoints_written_total')) / liveSeconds,
      stop_seconds: stopSeconds,
      stop_exit_code: exitCode,
    };
  } finally {
    setPriority(priority);
    for (const t of timers) clearInterval(t);
    await reader?.stop().catch(() => undefined);
    await vigil?.stop();
    // The run's topics hold gigabytes at full size: gone with the run (on a broker of the bench's own, or KAFKA_BROKERS).
    await second.disconnect();
    await topics.drop();
  }
}

/** What the short version in CI still checks (an empty list: all held). */
export function fleetFailures(r: FleetResult): string[] {
  const failures: string[] = [];
  if (r.faults_flagged < r.faulty_entities) failures.push(`${r.faults_flagged} of ${r.faulty_entities} faults flagged while they lasted`);
  if (r.samples_scored !== r.samples_expected) failures.push(`${fmt(r.samples_scored)} samples scored, expected ${fmt(r.samples_expected)} (every step but the open last one)`);
  if (r.dead_lettered > 0 || r.samples_dropped > 0) failures.push(`${r.dead_lettered} dead-lettered, ${r.samples_dropped} dropped: every sample is valid`);
  if (r.lag.end > 0) failures.push(`lag ${fmt(r.lag.end)} records 5 minutes after the last step`);
  if (!(r.state_bytes_per_series <= GOAL_BYTES_PER_SERIES)) failures.push(`${fmt(r.state_bytes_per_series)} bytes of detector state per series (goal ${fmt(GOAL_BYTES_PER_SERIES)})`);
  // Below ~10,000 series the process's fixed part (Node, Nest, kafkajs) dominates its RSS.
  if (r.series >= 10_000 && !(r.rss_bytes_per_series <= GOAL_BYTES_PER_SERIES)) failures.push(`${fmt(r.rss_bytes_per_series)} bytes of RSS per series (goal ${fmt(GOAL_BYTES_PER_SERIES)})`);
  return failures;
}

export function printFleet(r: FleetResult): void {
  const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(`  ${fmt(r.entities)} entities x 8 metrics = ${fmt(r.series)} series; ${r.history_steps} history steps, then ${r.live_steps} live steps every ${r.step_seconds} s of wall time (event time 10-s steps); ${fmt(r.samples)} samples`);
  console.log(`  history: producer alone ${fmt(r.producer_samples_per_s)} samples/s; detector catch-up ${fmt(r.detector_catch_up_samples_per_s)} samples/s (ready -> committed, ${r.catch_up_seconds.toFixed(0)} s); end to end ${fmt(r.end_to_end_samples_per_s)} samples/s (first send -> committed); start-up ${r.startup_seconds.toFixed(1)} s`);
  const c = r.live_step_committed_seconds;
  console.log(`  live: a step sent in ${r.live_send_seconds.median.toFixed(2)} s (median, max ${r.live_send_seconds.max.toFixed(2)} s), scored and committed ${c.median.toFixed(2)} s after its first send (median, max ${c.max.toFixed(2)} s; ${c.late_steps} of ${r.live_steps} steps not done when the next one came)`);
  console.log(`  faults: ${r.faults_flagged} of ${r.faulty_entities} flagged (${r.faults_flagged_first_step} at their first step); other anomalies: ${r.other_anomalies.history} in history past warm-up, ${r.other_anomalies.live} live`);
  console.log(`  step-closing sample sent -> anomaly record (its timestamp): p50 ${fmt(r.latency_ms.p50)} ms, p99 ${fmt(r.latency_ms.p99)} ms, max ${fmt(r.latency_ms.max)} ms (goal p99 < 2,000: ${met(r.latency_ms.p99 < 2000)})`);
  console.log(`    to the reader's receive time: p50 ${fmt(r.latency_received_ms.p50)} ms, p99 ${fmt(r.latency_received_ms.p99)} ms`);
  console.log(`  lag on telemetry.metrics (records): max ${fmt(r.lag.max_live)} live (one step is ${fmt(r.series)}), max ${fmt(r.lag.max_before_step)} just before a step, ${fmt(r.lag.end)} at the end (${r.lag.drained_seconds.toFixed(1)} s after the last send)`);
  console.log(`  scored ${fmt(r.samples_scored)} of ${fmt(r.samples_expected)} samples; ${r.samples_dropped} dropped, ${r.dead_lettered} dead-lettered`);
  console.log(`  RSS (MiB): ${fmt(r.rss_mib.ready)} ready, ${fmt(r.rss_mib.after_catch_up)} after catch-up, at most ${fmt(r.rss_mib.live_max)} live, ${fmt(r.rss_mib.end)} at the end, peak ${fmt(r.rss_mib.peak)} (goal <= 4 GiB at 100,000 series${r.series >= 100_000 ? `: ${met(r.rss_mib.peak <= 4096)}` : ''})`);
  console.log(`  per series: RSS ${kib(r.rss_bytes_per_series)} all in (${kib(r.rss_added_bytes_per_series)} added since ready), detector state ${kib(r.state_bytes_per_series)} (goal <= 32 KiB all in at 100,000 series${r.series >= 100_000 ? `: ${met(r.rss_bytes_per_series <= GOAL_BYTES_PER_SERIES)}` : ''}); heap ${fmt(r.heap_used_mib)} MiB used of ${fmt(r.heap_total_mib)}, external ${fmt(r.external_mib)} MiB`);
  console.log(`  checkpoints during the live phase: ${fmt(r.checkpoint_bytes_per_s)} bytes/s (${r.checkpoints_per_s.toFixed(1)} entities/s)`);
  console.log(`  graceful stop (a checkpoint of every entity): ${r.stop_seconds.toFixed(1)} s, exit code ${r.stop_exit_code}`);
}
