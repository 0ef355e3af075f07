/**
 * The recommender service through a real broker, as its own process (`vigil start reco` from
 * dist/): interactions/s ingested while serving, GET /recommendations latency under a fixed
 * request rate, and the time from an interaction's append to a changed recommendation.
 *
 * BENCH_RECO_EVENTS (default all of MovieLens-100k), BENCH_RECO_SECONDS (latency phase, default
 * 10), BENCH_RECO_RPS (default 200), BENCH_RECO_PROBES (append-to-change probes, default 20).
 */
import { execFileSync, spawn } from 'node:child_process';
import { KafkaBus } from '../../src/platform/kafka/kafka-bus.js';
import { freePorts } from '../../src/platform/kafka/local-broker.js';
import { loadCatalogue, topicSpecs } from '../../src/platform/streams/catalogue.js';
import { readInteractions } from '../../src/reco/evaluation/read-interactions.js';
import { fmt } from './harness.js';

const DATA = process.env.BENCH_RECO_DATA ?? '../shared/data/movielens-100k/u.data';

export interface RecoBenchResult {
  events: number;
  ingestPerSecond: number;
  /** GET latency (ms) during the ingest phase. */
  ingestGet: Percentiles;
  rps: number;
  seconds: number;
  get: Percentiles & { requests: number; errors: number; achievedRps: number };
  /** The same GETs split by whether a background refit of the item model was running when each was sent. */
  getDuringRefit: Percentiles & { requests: number };
  getOtherwise: Percentiles & { requests: number };
  /** ms from the append's acknowledgement to a changed top-10 seen over HTTP. */
  appendToChange: Percentiles & { probes: number };
  /** The service's own vigil_reco_update_delay_seconds mean over the run (ms). */
  updateDelayMeanMs: number;
}

interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

export async function recoBench(brokers: string, options: { events?: number; seconds?: number; rps?: number; probes?: number } = {}): Promise<RecoBenchResult> {
  const seconds = options.seconds ?? Number(process.env.BENCH_RECO_SECONDS ?? 10);
  const rps = options.rps ?? Number(process.env.BENCH_RECO_RPS ?? 200);
  const probes = options.probes ?? Number(process.env.BENCH_RECO_PROBES ?? 20);
  const all = await readInteractions(DATA);
  const events = all.slice(0, options.events ?? Number(process.env.BENCH_RECO_EVENTS ?? all.length));
  const run = `b${Date.now().toString(36)}`;
  const user = (id: string) => `${run}-u${id}`;
  const users = [...new Set(events.map((e) => user(e.user)))];

  // The service runs from the build (Nest needs decorator metadata): make it current.
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  const bus = new KafkaBus({ clientId: 'bench-reco', brokers: brokers.split(','), logLevel: 1 });
  await bus.connect();
  const value = (e: (typeof events)[number]) => JSON.stringify({ user: user(e.user), item: `${run}-i${e.item}`, timestamp: e.timestamp * 1000, type: 'rating' });
  // The service starts and catches up with whatever the topic holds; then, while it answers GETs
  // at a fixed rate, the events are published in 10,000-record sends and it ingests them.
  await bus.applyTopics(topicSpecs(loadCatalogue(), 1));
  const warmUp = { topic: 'reco.interactions', key: user('warm-up'), value: JSON.stringify({ user: user('warm-up'), item: `${run}-i1`, timestamp: Date.now() }) };
  // A fresh topic may have no leader yet for a moment.
  await waitFor(async () => (await bus.send([warmUp]), true), 60_000, 'reco.interactions to take a record', 500);
  let existing = 0;
  await waitFor(async () => ((existing = (await bus.endOffsets('reco.interactions')).reduce((n, e) => n + Number(e.offset), 0)), true), 60_000, 'end offsets', 500);
  const [port] = await freePorts(1);
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['dist/main.js', 'start', 'reco', '--port', String(port)], {
    env: { ...process.env, KAFKA_BROKERS: brokers, VIGIL_GROUP_PREFIX: `bench-${run}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const s of [child.stdout!, child.stderr!]) s.setEncoding('utf8').on('data', (d: string) => (output += d));
  const stats = async () => (await (await fetch(`${base}/reco/stats`)).json()) as { events: number; modelVersion: string; refitting: boolean };
  try {
    await waitFor(async () => (await fetch(`${base}/health/ready`).catch(() => undefined))?.ok === true, 60_000, 'the reco service');
    // Caught up (earlier runs' dead-lettered records never count: stop once it stands still).
    let standing = { n: -1, since: performance.now() };
    await waitFor(async () => {
      const n = (await stats()).events;
      if (n !== standing.n) standing = { n, since: performance.now() };
      return n >= existing || (n > 0 && performance.now() - standing.since > 3000);
    }, 300_000, 'the service to catch up');
    const before = (await stats()).events;

    // 1. Ingest while serving.
    const load = openLoop(base, users, rps);
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += 10_000) {
      await bus.send(events.slice(i, i + 10_000).map((e) => ({ topic: 'reco.interactions', key: user(e.user), value: value(e) })));
    }
    const produced = performance.now() - t0;
    let last = t0;
    await waitFor(async () => {
      const done = (await stats()).events - before >= events.length;
      last = performance.now();
      return done;
    }, 600_000, 'the events to be learned', 20);
    const ingestGet = await load.stop();
    const ingestPerSecond = events.length / ((last - t0) / 1000);
    console.log(`  ingest: ${fmt(events.length)} interactions published (${(produced / 1000).toFixed(1)} s) and learned in ${((last - t0) / 1000).toFixed(1)} s = ${fmt(ingestPerSecond)} interactions/s while serving ${rps} GET/s (GET p50 ${ingestGet.p50.toFixed(2)} ms, p99 ${ingestGet.p99.toFixed(1)} ms, ${ingestGet.errors} errors)`);
    await waitFor(async () => (await stats()).modelVersion !== 'popularity', 120_000, 'the first fit');
    await waitFor(async () => !(await stats()).refitting, 120_000, 'refits to settle');

    // 2. GET latency at a fixed rate, with a trickle of live interactions (20/s).
    const trickle = setInterval(() => {
      const e = events[Math.floor(Math.random() * events.length)]!;
      void bus.send([{ topic: 'reco.interactions', key: user(e.user), value: JSON.stringify({ user: user(e.user), item: `${run}-i${1 + Math.floor(Math.random() * 1682)}`, timestamp: Date.now() }) }]);
    }, 50);
    // A refit is likely in the window (the burst leaves events waiting for one): note when.
    let refitting = false;
    const watch = setInterval(() => void stats().then((s) => (refitting = s.refitting), () => undefined), 100);
    const steady = openLoop(base, users, rps, () => refitting);
    await sleep(seconds * 1000);
    const get = await steady.stop();
    clearInterval(trickle);
    clearInterval(watch);
    const getDuringRefit = { ...percentiles(get.tagged), requests: get.tagged.length };
    const getOtherwise = { ...percentiles(get.untagged), requests: get.untagged.length };
    console.log(`  GET /recommendations/:user?k=10 at ${rps}/s for ${seconds} s: ${fmt(get.requests)} requests (${get.achievedRps.toFixed(0)}/s), p50 ${get.p50.toFixed(2)} ms, p99 ${get.p99.toFixed(1)} ms, max ${get.max.toFixed(1)} ms, ${get.errors} errors`);
    console.log(`    sent while a refit ran: ${fmt(getDuringRefit.requests)}, p99 ${getDuringRefit.p99.toFixed(1)} ms; otherwise: ${fmt(getOtherwise.requests)}, p99 ${getOtherwise.p99.toFixed(1)} ms`);

    // 3. Append to changed recommendation: take a user's top item as the new interaction.
    const delays: number[] = [];
    for (let p = 0; p < probes; p++) {
      const u = users[(p * 37) % users.length]!;
      const top = async () => ((await (await fetch(`${base}/recommendations/${u}?k=10`)).json()) as { items: { item: string }[] }).items.map((x) => x.item).join();
      const was = await top();
      const item = was.split(',')[0]!;
      await bus.send([{ topic: 'reco.interactions', key: u, value: JSON.stringify({ user: u, item, timestamp: Date.now(), type: 'click' }) }]);
      const acked = performance.now();
      await waitFor(async () => (await top()) !== was, 10_000, 'a changed recommendation', 2);
      delays.push(performance.now() - acked);
      await sleep(100);
    }
    const appendToChange = { ...percentiles(delays), probes };
    console.log(`  append to changed top-10 over HTTP (${probes} probes): p50 ${appendToChange.p50.toFixed(0)} ms, p99 ${appendToChange.p99.toFixed(0)} ms, max ${appendToChange.max.toFixed(0)} ms`);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const sum = Number(/^vigil_reco_update_delay_seconds_sum (\S+)$/m.exec(metrics)?.[1]);
    const count = Number(/^vigil_reco_update_delay_seconds_count (\S+)$/m.exec(metrics)?.[1]);
    const updateDelayMeanMs = (sum / count) * 1000;
    console.log(`  vigil_reco_update_delay_seconds over the run: mean ${updateDelayMeanMs.toFixed(0)} ms over ${fmt(count)} interactions appended after the service started (the ingest phase included)`);
    return { events: events.length, ingestPerSecond, ingestGet: withoutSplit(ingestGet), rps, seconds, get: withoutSplit(get), getDuringRefit, getOtherwise, appendToChange, updateDelayMeanMs };
  } catch (err) {
    console.error(output.slice(-3000));
    throw err;
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
    await bus.disconnect();
  }
}

interface LoadResult extends Percentiles {
  requests: number;
  errors: number;
  achievedRps: number;
  /** Latencies of the GETs sent while `tag()` said true, and of the rest. */
  tagged: number[];
  untagged: number[];
}

/** GETs at a fixed rate whatever the answers take (open loop); latency from each send. */
function openLoop(base: string, users: string[], rps: number, tag: () => boolean = () => false): { stop: () => Promise<LoadResult> } {
  const latencies: number[] = [];
  const tagged: number[] = [];
  const untagged: number[] = [];
  let errors = 0;
  let running = true;
  const inflight = new Set<Promise<void>>();
  const started = performance.now();
  let sent = 0;
  const loop = (async () => {
    while (running) {
      const due = started + (sent * 1000) / rps;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      if (!running) break;
      const u = users[Math.floor(Math.random() * users.length)]!;
      const t = performance.now();
      const group = tag() ? tagged : untagged;
      sent++;
      const p = fetch(`${base}/recommendations/${u}?k=10`)
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.ok) {
            const ms = performance.now() - t;
            latencies.push(ms);
            group.push(ms);
          } else errors++;
        })
        .catch(() => void errors++)
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
  })();
  return {
    stop: async () => {
      running = false;
      const elapsed = (performance.now() - started) / 1000;
      await loop;
      await Promise.all(inflight);
      return { ...percentiles(latencies), requests: sent, errors, achievedRps: sent / elapsed, tagged, untagged };
    },
  };
}

function withoutSplit({ tagged: _t, untagged: _u, ...rest }: LoadResult): Omit<LoadResult, 'tagged' | 'untagged'> {
  return rest;
}

function percentiles(xs: number[]): Percentiles {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), max: s.at(-1) ?? NaN };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => Promise<boolean>, ms: number, what: string, everyMs = 50): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
