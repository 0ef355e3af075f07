import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import kafkajs from 'kafkajs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { OutRecord } from '../../src/platform/bus/types.js';
import { KafkaBus } from '../../src/platform/kafka/kafka-bus.js';
import { freePorts } from '../../src/platform/kafka/local-broker.js';
import { StageRunner } from '../../src/platform/stage/stage-runner.js';
import { loadCatalogue, topicSpecs, type Catalogue } from '../../src/platform/streams/catalogue.js';
import { SchemaRegistry } from '../../src/platform/streams/validator.js';
import { trainQuickModel } from '../../src/risk/evaluation/quick-model.js';
import { readTransactions, type FileTransaction } from '../../src/risk/evaluation/read-transactions.js';
import { DAY_MS } from '../../src/risk/options.js';
import { loadRiskService } from '../../src/risk/risk.consumer.js';
import { DEFAULT_MODEL_DIR, loadRiskOptions, type RiskServiceOptions } from '../../src/risk/risk.options.js';
import type { ScoreMessage, TransactionMessage } from '../../src/risk/risk.service.js';
import { derivedId } from '../../src/platform/bus/message-id.js';
import type { Emit, InRecord } from '../../src/platform/stage/types.js';
import { VigilProcess } from '../support/vigil-process.js';
import { buildDist, fmt } from './harness.js';

export interface RiskBenchOptions {
  /** Transactions per second offered to risk.transactions. */
  rate: number;
  /** Measured seconds, after the warm-up. */
  seconds: number;
  /**
   * Seconds of the same traffic before the measured ones: the run's topics are new (first appends
   * to fresh partitions, first fetches) and every process's code cold. Scored and checked like
   * the rest, reported on their own, not in the measured latencies.
   */
  warmupSeconds: number;
  data: string;
  /** Model directory; default RISK_MODEL_DIR, then .vigil/risk-model, else a quick model trained here. */
  modelDir?: string;
  /** Publish each transaction's label 7 days of event time after it, interleaved with the stream. */
  labels: boolean;
  /** 'echo': the same stage emitting a fixed approve per transaction, no scoring — the platform's share of the latency. */
  handler: 'scorer' | 'echo';
  /**
   * 'process' (default): the service under test is `vigil start risk` in its own process, as it
   * runs in production, so the load generator and the score reader do not share its event loop.
   * 'inline': the handler on a StageRunner in this process (adds the to-handler figure, and the
   * echo handler).
   */
  service: 'process' | 'inline';
  /** Extra environment for the service process (e.g. RISK_PARTITIONS_CONCURRENCY). */
  env?: Record<string, string>;
}

export interface RiskBenchResult {
  handler: 'scorer' | 'echo';
  model: string;
  offered_rate: number;
  achieved_rate: number;
  /** Sent, warm-up included (every one must be scored exactly once). */
  transactions: number;
  labels: number;
  scored: number;
  duplicates: number;
  missing: number;
  /** Score record timestamp minus the transaction record's (both CreateTime, stamped at send), over the measured seconds. */
  e2e_ms: { p50: number; p99: number; max: number };
  /** The warm-up's transactions, apart. */
  warmup: { seconds: number; transactions: number; e2e_ms: { p50: number; p99: number; max: number } };
  /** The load generator's appends (each a few ms of transactions): time from its send call to the broker's acknowledgement. */
  generator_send_ms: { p50: number; p99: number; max: number };
  /** The seconds of the run (by transaction append time, from the first send) with the highest p99: where stalls were. */
  worst_seconds: Array<{ second: number; p99: number; max: number; n: number }>;
  /** From the transaction's timestamp to the handler receiving it: fetch, queueing behind other partitions (inline only). */
  to_handler_ms: { p50: number; p99: number } | null;
  /** The handler's time per transaction (features, model, reasons, rules; a batch's time / its size). */
  processing_ms: { p50: number; p99: number };
  batch: { mean_size: number; p50_ms: number; p99_ms: number };
  /** Partition batches the service handles side by side (RISK_PARTITIONS_CONCURRENCY). */
  partitions_at_once: number;
  service: 'process' | 'inline';
  /** Where processing_ms and batch come from: exact per batch (inline), or the service's histograms (process: interpolated within buckets). */
  processing_source: 'handler' | 'metrics';
  ok: boolean;
}

export function riskBenchOptions(env: NodeJS.ProcessEnv = process.env): RiskBenchOptions {
  return {
    rate: Number(env.BENCH_RISK_RATE ?? 2000),
    seconds: Number(env.BENCH_RISK_SECONDS ?? 60),
    warmupSeconds: Number(env.BENCH_RISK_WARMUP_SECONDS ?? 5),
    data: env.BENCH_RISK_DATA ?? '../shared/data/fraud/transactions-2018-04-01_2018-07-31.csv.gz',
    ...(env.RISK_MODEL_DIR && { modelDir: env.RISK_MODEL_DIR }),
    labels: env.BENCH_RISK_LABELS !== 'false',
    handler: env.BENCH_RISK_HANDLER === 'echo' ? 'echo' : 'scorer',
    service: env.BENCH_RISK_SERVICE === 'inline' || env.BENCH_RISK_HANDLER === 'echo' ? 'inline' : 'process',
  };
}

/**
 * The risk service through the real broker: transactions from the fraud file offered at a fixed
 * rate to risk.transactions, their labels a week of event time later on risk.labels, scores read
 * back from risk.scores. The service is `vigil start risk` in its own process (default), or its
 * handler on a StageRunner in this process (`service: 'inline'`). Each run has its own topics
 * (a run prefix), deleted afterwards.
 */
export async function riskBench(brokers: string, o: RiskBenchOptions): Promise<RiskBenchResult> {
  const run = `rb${Date.now().toString(36)}`;
  let modelDir = o.modelDir ?? (existsSync(join(DEFAULT_MODEL_DIR, 'risk-model.json')) ? DEFAULT_MODEL_DIR : undefined);
  let tmp: string | undefined;
  if (!modelDir) {
    tmp = await mkdtemp(join(tmpdir(), 'risk-bench-'));
    console.log(`  no model (RISK_MODEL_DIR or ${DEFAULT_MODEL_DIR}): training a quick logistic one on the file's first week`);
    await trainQuickModel(o.data, tmp, { until: Date.parse('2018-04-08T00:00:00Z') });
    modelDir = tmp;
  }
  const options = { ...loadRiskOptions({ ...process.env, ...o.env, RISK_MODEL_DIR: modelDir }) };
  const metadata = JSON.parse(await readFile(join(modelDir, 'risk-model.json'), 'utf8')) as { provenance: { cutoff?: string } };
  const cutoff = Date.parse(String(metadata.provenance.cutoff));
  const warm = Math.round(o.rate * o.warmupSeconds);
  const total = warm + Math.round(o.rate * o.seconds);
  const txs: FileTransaction[] = [];
  for await (const tx of readTransactions(o.data)) {
    if (tx.time < cutoff) continue;
    txs.push(tx);
    if (txs.length === total) break;
  }
  console.log(`  ${fmt(txs.length)} transactions from ${new Date(txs[0]!.time).toISOString().slice(0, 10)} (the model's cut-off), ${o.rate}/s for ${o.warmupSeconds} s of warm-up and ${o.seconds} s measured${o.labels ? ', labels 7 days of event time later' : ''}`);
  const warmIds = new Set(txs.slice(0, warm).map((t) => `${run}-${t.id}`));

  const catalogue = loadCatalogue();
  const prefix = `${run}.`;
  const bus = new KafkaBus({ clientId: 'bench-risk', brokers: brokers.split(','), logLevel: 1 }, { topicPrefix: prefix });
  await bus.connect();
  await bus.applyTopics(topicSpecs(catalogue).filter((t) => t.name.startsWith('risk.')));

  const seen = new Map<string, number>();
  const e2e: number[] = [];
  const appendedAt: number[] = [];
  const warmE2e: number[] = [];
  let readerReady!: () => void;
  const readerAssigned = new Promise<void>((r) => (readerReady = r));
  const reader = await bus.subscribe(
    { groupId: `bench-risk-reader-${run}`, topics: [options.topics.scores], fromBeginning: true, onAssignment: () => readerReady() },
    async (batch, control) => {
      for (const r of batch.records) {
        const s = JSON.parse(r.value!.toString()) as ScoreMessage;
        seen.set(s.transaction_id, (seen.get(s.transaction_id) ?? 0) + 1);
        if (warmIds.has(s.transaction_id)) {
          warmE2e.push(r.timestamp - s.transaction_appended_at);
          continue;
        }
        e2e.push(r.timestamp - s.transaction_appended_at);
        appendedAt.push(s.transaction_appended_at);
      }
      await control.commit(String(BigInt(batch.records.at(-1)!.offset) + 1n));
    },
  );

  const service = o.service === 'process' ? await startProcess(brokers, run, prefix, modelDir, o.env ?? {}) : await startInline(bus, catalogue, options, run, o.handler);
  await Promise.all([service.assigned, readerAssigned]);
  await sleep(3000); // let both groups settle after the join before the clock starts

  const delay = 7 * DAY_MS;
  let labelAt = 0;
  let labelsSent = 0;
  let sent = 0;
  const start = performance.now();
  const startedAt = Date.now();
  const sendMs: number[] = [];
  while (sent < txs.length) {
    const due = Math.min(txs.length, Math.floor(((performance.now() - start) / 1000) * o.rate));
    if (due <= sent) {
      await sleep(2);
      continue;
    }
    const out: OutRecord[] = [];
    for (; sent < due; sent++) {
      const t = txs[sent]!;
      out.push({
        topic: options.topics.transactions,
        key: t.customerId,
        value: JSON.stringify({ transaction_id: `${run}-${t.id}`, timestamp: t.time, customer_id: t.customerId, terminal_id: t.terminalId, amount: t.amount }),
      });
      if (!o.labels) continue;
      for (; labelAt < sent && txs[labelAt]!.time + delay <= t.time; labelAt++, labelsSent++) {
        const l = txs[labelAt]!;
        out.push({
          topic: options.topics.labels,
          key: l.customerId,
          value: JSON.stringify({ transaction_id: `${run}-${l.id}`, customer_id: l.customerId, terminal_id: l.terminalId, transaction_timestamp: l.time, timestamp: l.time + delay, fraud: l.fraud, amount: l.amount }),
        });
      }
    }
    const t = performance.now();
    await bus.send(out);
    sendMs.push(performance.now() - t);
  }
  const produceSeconds = (performance.now() - start) / 1000 - o.warmupSeconds;
  const deadline = Date.now() + 60_000;
  while (seen.size < txs.length && Date.now() < deadline) await sleep(100);
  await sleep(1500); // late duplicates, if any
  const measured = await service.stop();
  await reader.stop();
  await bus.disconnect();
  await deleteTopics(brokers, prefix);
  if (tmp) await rm(tmp, { recursive: true, force: true });

  const duplicates = [...seen.values()].reduce((n, c) => n + c - 1, 0);
  const missing = txs.length - seen.size;
  const q = (xs: number[], p: number) => round(quantile(xs, p));
  return {
    handler: o.handler,
    model: measured.model,
    offered_rate: o.rate,
    achieved_rate: Math.round((sent - warm) / produceSeconds),
    transactions: sent,
    labels: labelsSent,
    scored: seen.size,
    duplicates,
    missing,
    e2e_ms: { p50: q(e2e, 0.5), p99: q(e2e, 0.99), max: q(e2e, 1) },
    warmup: { seconds: o.warmupSeconds, transactions: warm, e2e_ms: { p50: q(warmE2e, 0.5), p99: q(warmE2e, 0.99), max: q(warmE2e, 1) } },
    generator_send_ms: { p50: q(sendMs, 0.5), p99: q(sendMs, 0.99), max: q(sendMs, 1) },
    worst_seconds: worstSeconds(e2e, appendedAt, startedAt + o.warmupSeconds * 1000, 3),
    to_handler_ms: measured.toHandler,
    processing_ms: measured.processing,
    batch: measured.batch,
    partitions_at_once: options.concurrency,
    service: o.service,
    processing_source: o.service === 'process' ? 'metrics' : 'handler',
    ok: missing === 0 && duplicates === 0,
  };
}

interface Measured {
  model: string;
  toHandler: { p50: number; p99: number } | null;
  processing: { p50: number; p99: number };
  batch: { mean_size: number; p50_ms: number; p99_ms: number };
}

interface ServiceUnderTest {
  assigned: Promise<void>;
  /** Stops the service and returns what it measured. */
  stop(): Promise<Measured>;
}

let built = false;

/** `vigil start risk` from dist/ (built first) on the run's topics; its figures from its /metrics. */
async function startProcess(brokers: string, run: string, prefix: string, modelDir: string, env: Record<string, string>): Promise<ServiceUnderTest> {
  // BENCH_RISK_VIGIL_DIR (a variant's key, not passed on): run another checkout's build, e.g. main's, for a before/after in one window.
  const { BENCH_RISK_VIGIL_DIR: dir, ...serviceEnv } = env;
  if (!dir && !built) {
    buildDist();
    built = true;
  }
  const [port] = await freePorts(1);
  const child = new VigilProcess(['start', 'risk', '--port', String(port)], {
    KAFKA_BROKERS: brokers,
    VIGIL_DEMO: 'false',
    VIGIL_TOPIC_PREFIX: prefix,
    VIGIL_GROUP_PREFIX: `bench-risk-${run}`,
    RISK_MODEL_DIR: resolve(modelDir),
    RISK_RETRAIN_INTERVAL: process.env.RISK_RETRAIN_INTERVAL ?? '0',
    ...serviceEnv,
  }, { cwd: dir ?? process.cwd() });
  const assigned = (async () => {
    const deadline = Date.now() + 180_000;
    while (!/assigned [1-9]\d* partition/.test(child.output)) {
      if (child.child.exitCode !== null) throw new Error(`vigil start risk exited:\n${child.output.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`vigil start risk was not assigned partitions in 3 minutes:\n${child.output.slice(-3000)}`);
      await sleep(100);
    }
  })();
  return {
    assigned,
    stop: async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      await child.stop();
      const log = child.output.split('\n').filter((l) => /\[Risk\].*(model |retrain|labels:)|"level":"ERROR"/.test(l));
      if (log.length) console.log(log.slice(0, 12).map((l) => `  [service] ${l.trim()}`).join('\n'));
      const proc = histogram(text, 'vigil_risk_processing_seconds', '');
      const batch = histogram(text, 'vigil_batch_processing_duration_seconds', 'service="risk",topic="risk.transactions"');
      const sizes = histogram(text, 'vigil_batch_records', 'service="risk",topic="risk.transactions"');
      return {
        model: /vigil_risk_model_info\{model_version="([^"]+)"\} 1$/m.exec(text)?.[1] ?? '?',
        toHandler: null,
        processing: { p50: round(proc.quantile(0.5) * 1000), p99: round(proc.quantile(0.99) * 1000) },
        batch: { mean_size: Math.round(sizes.sum / Math.max(1, sizes.count)), p50_ms: round(batch.quantile(0.5) * 1000), p99_ms: round(batch.quantile(0.99) * 1000) },
      };
    },
  };
}

/** The handler on a StageRunner in this process, timed around each call. */
async function startInline(bus: KafkaBus, catalogue: Catalogue, options: RiskServiceOptions, run: string, handler: 'scorer' | 'echo'): Promise<ServiceUnderTest> {
  const service = await loadRiskService(options, (m) => console.log(`  ${m}`));
  const perTx: number[] = [];
  const toHandler: number[] = [];
  const batchMs: number[] = [];
  const batchSizes: number[] = [];
  let serviceReady!: () => void;
  const assigned = new Promise<void>((r) => (serviceReady = r));
  const runner = new StageRunner<never>(bus, catalogue, new SchemaRegistry(catalogue), {
    service: 'risk',
    groupId: `bench-risk-${run}`,
    topics: [options.topics.transactions, options.topics.labels],
    fromBeginning: true,
    partitionsConsumedConcurrently: options.concurrency,
    onAssignment: () => serviceReady(),
    handle: async (records, ctx) => {
      const t = performance.now();
      const now = Date.now();
      if (records[0]!.topic === options.topics.transactions) for (const r of records) toHandler.push(now - r.timestamp);
      const out = handler === 'scorer' ? await service.handle(records, ctx) : echo(records as never, options.topics);
      const ms = performance.now() - t;
      if (records[0]!.topic === options.topics.transactions) {
        batchMs.push(ms);
        batchSizes.push(records.length);
        for (let i = 0; i < records.length; i++) perTx.push(ms / records.length);
      }
      return out;
    },
  });
  await runner.start();
  const q = (xs: number[], p: number) => round(quantile(xs, p));
  return {
    assigned,
    stop: async () => {
      await runner.stop();
      return {
        model: handler === 'echo' ? 'echo' : service.modelVersion,
        toHandler: { p50: q(toHandler, 0.5), p99: q(toHandler, 0.99) },
        processing: { p50: q(perTx, 0.5), p99: q(perTx, 0.99) },
        batch: { mean_size: Math.round(batchSizes.reduce((a, b) => a + b, 0) / Math.max(1, batchSizes.length)), p50_ms: q(batchMs, 0.5), p99_ms: q(batchMs, 0.99) },
      };
    },
  };
}

/** A Prometheus histogram from /metrics text: count, sum and quantiles interpolated within buckets (as histogram_quantile). */
function histogram(text: string, name: string, labels: string): { count: number; sum: number; quantile(p: number): number } {
  const value = (suffix: string, extra = '') => {
    const all = [labels, extra].filter(Boolean).join(',');
    const line = `${name}${suffix}${all ? `{${all}}` : ''} `;
    const at = text.split('\n').find((l) => l.startsWith(line));
    return at ? Number(at.slice(line.length)) : NaN;
  };
  const buckets: Array<{ le: number; n: number }> = [];
  // prom-client writes le first: match a bucket line by each of the wanted labels, wherever it stands.
  const wanted = labels ? labels.split(',') : [];
  for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    const parts = m[1]!.split(',');
    if (!wanted.every((w) => parts.includes(w))) continue;
    const le = /le="([^"]+)"/.exec(m[1]!)![1]!;
    buckets.push({ le: le === '+Inf' ? Infinity : Number(le), n: Number(m[2]) });
  }
  const count = value('_count');
  return {
    count,
    sum: value('_sum'),
    quantile: (p) => {
      const rank = p * count;
      let prevLe = 0;
      let prevN = 0;
      for (const b of buckets) {
        if (b.n >= rank) return b.le === Infinity ? prevLe : prevLe + ((b.le - prevLe) * (rank - prevN)) / Math.max(1, b.n - prevN);
        prevLe = b.le;
        prevN = b.n;
      }
      return NaN;
    },
  };
}

async function deleteTopics(brokers: string, prefix: string): Promise<void> {
  const admin = new kafkajs.Kafka({ clientId: 'bench-risk-admin', brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  const topics = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(prefix));
  if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => {});
  await admin.disconnect();
}

/** Runs the bench and prints it; main.ts calls this after the consumer section. */
export async function runRiskBench(brokers: string, o: RiskBenchOptions = riskBenchOptions()): Promise<{ ok: boolean; result: RiskBenchResult }> {
  console.log(`\n[risk] fraud scorer through the broker: risk.transactions -> risk.scores, ${o.service === 'process' ? 'vigil start risk in its own process' : 'the handler in the bench process'}${o.handler === 'echo' ? ' (echo handler: no scoring)' : ''}`);
  const r = await riskBench(brokers, o);
  console.log(`  offered ${fmt(r.offered_rate)} tx/s, produced at ${fmt(r.achieved_rate)} tx/s: ${fmt(r.transactions)} transactions, ${fmt(r.labels)} labels`);
  console.log(`  warm-up (${r.warmup.seconds} s, ${fmt(r.warmup.transactions)} transactions, not in the figures below): p50 ${r.warmup.e2e_ms.p50} ms, p99 ${r.warmup.e2e_ms.p99} ms, max ${r.warmup.e2e_ms.max} ms`);
  console.log(`  scored ${fmt(r.scored)} (missing ${r.missing}, duplicates ${r.duplicates})${r.ok ? '' : '  FAIL: not every transaction scored exactly once'}`);
  console.log(`  end to end (transaction append -> score append): p50 ${r.e2e_ms.p50} ms, p99 ${r.e2e_ms.p99} ms, max ${r.e2e_ms.max} ms (goal p99 < 50)`);
  console.log(`  load generator's appends (send call -> acknowledged): p50 ${r.generator_send_ms.p50} ms, p99 ${r.generator_send_ms.p99} ms, max ${r.generator_send_ms.max} ms`);
  console.log(`    of which transaction append -> handler: ${r.to_handler_ms ? `p50 ${r.to_handler_ms.p50} ms, p99 ${r.to_handler_ms.p99} ms` : 'not measured (service in its own process)'}`);
  console.log(`  scorer processing per transaction: p50 ${r.processing_ms.p50} ms, p99 ${r.processing_ms.p99} ms (goal p99 < 5)${r.processing_source === 'metrics' ? ' (from vigil_risk_processing_seconds, interpolated in its buckets)' : ''}`);
  console.log(`  partition batches of risk.transactions: mean ${r.batch.mean_size} tx, ${r.processing_source === 'metrics' ? 'handle + append + commit' : 'handler'} p50 ${r.batch.p50_ms} ms, p99 ${r.batch.p99_ms} ms`);
  console.log(`  model ${r.model}; ${r.partitions_at_once} partitions at once`);
  console.log(`  worst seconds of the run (p99/max ms): ${r.worst_seconds.map((w) => `${w.second}s ${w.p99}/${w.max}`).join(', ')}`);
  console.log(`  RESULT risk e2e p50 ${r.e2e_ms.p50} ms, p99 ${r.e2e_ms.p99} ms; processing p99 ${r.processing_ms.p99} ms; scored ${r.scored}/${r.transactions}${r.ok ? '' : ' FAIL'}`);
  console.log(`BENCH_RISK_JSON ${JSON.stringify(r)}`);
  return { ok: r.ok, result: r };
}

/** A fixed approve per transaction, no scoring: what the stage costs without the scorer. */
function echo(records: Array<InRecord<TransactionMessage>>, topics: { transactions: string; scores: string }): Emit[] {
  if (records[0]!.topic !== topics.transactions) return [];
  return records.map((r) => {
    const id = derivedId(r, 'score');
    const value: ScoreMessage = {
      id,
      transaction_id: r.value.transaction_id,
      customer_id: r.value.customer_id,
      timestamp: r.value.timestamp,
      probability: 0,
      decision: 'approve',
      reasons: [],
      model_version: 'echo',
      transaction_appended_at: r.timestamp,
    };
    return { topic: topics.scores, key: r.value.customer_id, value, id, source: r };
  });
}

/** Per second of the run (transaction append time): p99 and max latency; the `k` seconds with the highest p99. */
function worstSeconds(e2e: number[], appendedAt: number[], startedAt: number, k: number): RiskBenchResult['worst_seconds'] {
  const bins = new Map<number, number[]>();
  e2e.forEach((ms, i) => {
    const second = Math.floor((appendedAt[i]! - startedAt) / 1000);
    const bin = bins.get(second);
    if (bin) bin.push(ms);
    else bins.set(second, [ms]);
  });
  return [...bins]
    .map(([second, xs]) => ({ second, p99: round(quantile(xs, 0.99)), max: round(quantile(xs, 1)), n: xs.length }))
    .sort((a, b) => b.p99 - a.p99)
    .slice(0, k);
}

function quantile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
