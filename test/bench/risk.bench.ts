import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutRecord } from '../../src/platform/bus/types.js';
import { KafkaBus } from '../../src/platform/kafka/kafka-bus.js';
import { StageRunner } from '../../src/platform/stage/stage-runner.js';
import { loadCatalogue, topicSpecs } from '../../src/platform/streams/catalogue.js';
import { SchemaRegistry } from '../../src/platform/streams/validator.js';
import { trainQuickModel } from '../../src/risk/evaluation/quick-model.js';
import { readTransactions, type FileTransaction } from '../../src/risk/evaluation/read-transactions.js';
import { RiskModel } from '../../src/risk/model/risk-model.js';
import { DAY_MS } from '../../src/risk/options.js';
import { loadRiskService } from '../../src/risk/risk.consumer.js';
import { DEFAULT_MODEL_DIR, loadRiskOptions } from '../../src/risk/risk.options.js';
import type { ScoreMessage, TransactionMessage } from '../../src/risk/risk.service.js';
import { derivedId } from '../../src/platform/bus/message-id.js';
import type { Emit, InRecord } from '../../src/platform/stage/types.js';
import { fmt } from './harness.js';

export interface RiskBenchOptions {
  /** Transactions per second offered to risk.transactions. */
  rate: number;
  seconds: number;
  data: string;
  /** Model directory; default RISK_MODEL_DIR, then .vigil/risk-model, else a quick model trained here. */
  modelDir?: string;
  /** Publish each transaction's label 7 days of event time after it, interleaved with the stream. */
  labels: boolean;
  /** 'echo': the same stage emitting a fixed approve per transaction, no scoring — the platform's share of the latency. */
  handler: 'scorer' | 'echo';
}

export interface RiskBenchResult {
  handler: 'scorer' | 'echo';
  model: string;
  offered_rate: number;
  achieved_rate: number;
  transactions: number;
  labels: number;
  scored: number;
  duplicates: number;
  missing: number;
  /** Score record timestamp minus the transaction record's (both CreateTime, stamped at send). */
  e2e_ms: { p50: number; p99: number; max: number };
  /** From the transaction's timestamp to the handler receiving it: fetch, queueing behind other partitions. */
  to_handler_ms: { p50: number; p99: number };
  /** The handler's time per transaction (features, model, reasons, rules; a batch's time / its size). */
  processing_ms: { p50: number; p99: number };
  batch: { mean_size: number; p50_ms: number; p99_ms: number };
  /** Partition batches the service handles side by side (RISK_PARTITIONS_CONCURRENCY). */
  partitions_at_once: number;
  ok: boolean;
}

export function riskBenchOptions(env: NodeJS.ProcessEnv = process.env): RiskBenchOptions {
  return {
    rate: Number(env.BENCH_RISK_RATE ?? 2000),
    seconds: Number(env.BENCH_RISK_SECONDS ?? 60),
    data: env.BENCH_RISK_DATA ?? '../shared/data/fraud/transactions-2018-04-01_2018-07-31.csv.gz',
    ...(env.RISK_MODEL_DIR && { modelDir: env.RISK_MODEL_DIR }),
    labels: env.BENCH_RISK_LABELS !== 'false',
    handler: env.BENCH_RISK_HANDLER === 'echo' ? 'echo' : 'scorer',
  };
}

/**
 * The risk service (the handler `vigil start risk` runs, on a StageRunner as StagesService builds
 * it, minus Nest) through the real broker: transactions from the fraud file offered at a fixed
 * rate to risk.transactions, their labels a week of event time later on risk.labels, scores read
 * back from risk.scores. Producer, service and reader share this process (and the machine with
 * the broker).
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
  const options = { ...loadRiskOptions({ ...process.env, RISK_MODEL_DIR: modelDir }) };
  const service = await loadRiskService(options, (m) => console.log(`  ${m}`));
  const cutoff = Date.parse(String((await RiskModel.load(modelDir)).metadata.provenance.cutoff));
  const total = Math.round(o.rate * o.seconds);
  const txs: FileTransaction[] = [];
  for await (const tx of readTransactions(o.data)) {
    if (tx.time < cutoff) continue;
    txs.push(tx);
    if (txs.length === total) break;
  }
  console.log(`  ${fmt(txs.length)} transactions from ${new Date(txs[0]!.time).toISOString().slice(0, 10)} (the model's cut-off), ${o.rate}/s for ${o.seconds} s${o.labels ? ', labels 7 days of event time later' : ''}`);

  const catalogue = loadCatalogue();
  const bus = new KafkaBus({ clientId: 'bench-risk', brokers: brokers.split(','), logLevel: 1 });
  await bus.connect();
  await bus.applyTopics(topicSpecs(catalogue).filter((t) => t.name.startsWith('risk.')));

  // Reader first, from the end: only this run's scores (ids carry the run prefix).
  const seen = new Map<string, number>();
  const e2e: number[] = [];
  let readerReady!: () => void;
  const readerAssigned = new Promise<void>((r) => (readerReady = r));
  const reader = await bus.subscribe(
    { groupId: `bench-risk-reader-${run}`, topics: [options.topics.scores], fromBeginning: false, onAssignment: () => readerReady() },
    async (batch, control) => {
      for (const r of batch.records) {
        const s = JSON.parse(r.value!.toString()) as ScoreMessage;
        if (!s.transaction_id.startsWith(run)) continue;
        seen.set(s.transaction_id, (seen.get(s.transaction_id) ?? 0) + 1);
        e2e.push(r.timestamp - s.transaction_appended_at);
      }
      await control.commit(String(BigInt(batch.records.at(-1)!.offset) + 1n));
    },
  );

  const perTx: number[] = [];
  const toHandler: number[] = [];
  const batchMs: number[] = [];
  const batchSizes: number[] = [];
  let serviceReady!: () => void;
  const serviceAssigned = new Promise<void>((r) => (serviceReady = r));
  const runner = new StageRunner<never>(bus, catalogue, new SchemaRegistry(catalogue), {
    service: 'risk',
    groupId: `bench-risk-${run}`,
    topics: [options.topics.transactions, options.topics.labels],
    fromBeginning: false,
    partitionsConsumedConcurrently: options.concurrency,
    onAssignment: () => serviceReady(),
    handle: async (records, ctx) => {
      const t = performance.now();
      const now = Date.now();
      if (records[0]!.topic === options.topics.transactions) for (const r of records) toHandler.push(now - r.timestamp);
      const out = o.handler === 'scorer' ? await service.handle(records, ctx) : echo(records as never, options.topics);
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
  await Promise.all([serviceAssigned, readerAssigned]);
  await sleep(3000); // let both groups settle after the join before the clock starts

  const delay = 7 * DAY_MS;
  let labelAt = 0;
  let labelsSent = 0;
  let sent = 0;
  const start = performance.now();
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
    await bus.send(out);
  }
  const produceSeconds = (performance.now() - start) / 1000;
  const deadline = Date.now() + 60_000;
  while (seen.size < txs.length && Date.now() < deadline) await sleep(100);
  await sleep(1500); // late duplicates, if any
  await runner.stop();
  await reader.stop();
  await bus.disconnect();
  if (tmp) await rm(tmp, { recursive: true, force: true });

  const duplicates = [...seen.values()].reduce((n, c) => n + c - 1, 0);
  const missing = txs.length - seen.size;
  const q = (xs: number[], p: number) => round(quantile(xs, p));
  return {
    handler: o.handler,
    model: service.modelVersion,
    offered_rate: o.rate,
    achieved_rate: Math.round(sent / produceSeconds),
    transactions: sent,
    labels: labelsSent,
    scored: seen.size,
    duplicates,
    missing,
    e2e_ms: { p50: q(e2e, 0.5), p99: q(e2e, 0.99), max: q(e2e, 1) },
    to_handler_ms: { p50: q(toHandler, 0.5), p99: q(toHandler, 0.99) },
    processing_ms: { p50: q(perTx, 0.5), p99: q(perTx, 0.99) },
    batch: { mean_size: Math.round(batchSizes.reduce((a, b) => a + b, 0) / Math.max(1, batchSizes.length)), p50_ms: q(batchMs, 0.5), p99_ms: q(batchMs, 0.99) },
    partitions_at_once: options.concurrency,
    ok: missing === 0 && duplicates === 0,
  };
}

/** Runs the bench and prints it; main.ts calls this after the consumer section. */
export async function runRiskBench(brokers: string): Promise<{ ok: boolean; result: RiskBenchResult }> {
  const o = riskBenchOptions();
  console.log(`\n[risk] fraud scorer through the broker: risk.transactions -> risk.scores${o.handler === 'echo' ? ' (echo handler: no scoring)' : ''}`);
  const r = await riskBench(brokers, o);
  console.log(`  offered ${fmt(r.offered_rate)} tx/s, produced at ${fmt(r.achieved_rate)} tx/s: ${fmt(r.transactions)} transactions, ${fmt(r.labels)} labels`);
  console.log(`  scored ${fmt(r.scored)} (missing ${r.missing}, duplicates ${r.duplicates})${r.ok ? '' : '  FAIL: not every transaction scored exactly once'}`);
  console.log(`  end to end (transaction append -> score append): p50 ${r.e2e_ms.p50} ms, p99 ${r.e2e_ms.p99} ms, max ${r.e2e_ms.max} ms (goal p99 < 50)`);
  console.log(`    of which transaction append -> handler: p50 ${r.to_handler_ms.p50} ms, p99 ${r.to_handler_ms.p99} ms`);
  console.log(`  scorer processing per transaction: p50 ${r.processing_ms.p50} ms, p99 ${r.processing_ms.p99} ms (goal p99 < 5); batches: mean ${r.batch.mean_size} tx, p50 ${r.batch.p50_ms} ms, p99 ${r.batch.p99_ms} ms`);
  console.log(`  model ${r.model}; ${r.partitions_at_once} partitions at once`);
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
