import { freePorts } from '../src/platform/kafka/local-broker.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/platform/bus/types.js';
import { DLQ_HEADERS } from '../src/platform/stage/dead-letter.js';
import { loadCatalogue, topicSpecs } from '../src/platform/streams/catalogue.js';
import { trainQuickModel } from '../src/risk/evaluation/quick-model.js';
import { readTransactions, type FileTransaction } from '../src/risk/evaluation/read-transactions.js';
import type { ScoreMessage } from '../src/risk/risk.service.js';
import { dataSet } from './support/data.js';
import { brokers, committedOffsets, kafkaBus } from './support/kafka.js';
import { readAll } from './support/read-all.js';
import { until } from './support/until.js';
import { VigilProcess } from './support/vigil-process.js';

/** The fraud data set (RISK_TEST_DATA, or the shared one); looked up when a test needs it. */
const data = () => process.env.RISK_TEST_DATA ?? dataSet('fraud/transactions-2018-04-01_2018-07-31.csv.gz');
const CUTOFF = Date.parse('2018-04-08T00:00:00Z');
const COUNT = 2000;
// A free port, not a fixed one: CI and a developer's run may share the machine.
const [PORT] = await freePorts(1);
const metric = (text: string, line: string) => Number(new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

/** Transactions and labels from the fraud file, from `from` on, ids prefixed so reruns on one broker never mix. */
async function slice(from: number, n: number, prefix: string): Promise<FileTransaction[]> {
  const out: FileTransaction[] = [];
  for await (const tx of readTransactions(data())) {
    if (tx.time < from) continue;
    out.push({ ...tx, id: `${prefix}-${tx.id}`, customerId: `${prefix}-${tx.customerId}`, terminalId: `${prefix}-${tx.terminalId}` });
    if (out.length === n) break;
  }
  return out;
}

describe('risk service (vigil start risk) on a real broker', () => {
  let dir: string;
  let bus: Bus;
  let vigil: VigilProcess | undefined;
  const run = `rt${Date.now().toString(36)}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'risk-service-'));
    await trainQuickModel(data(), dir, { until: CUTOFF });
    bus = kafkaBus();
    await bus.connect();
    await bus.applyTopics(topicSpecs(loadCatalogue()));
  });
  afterAll(async () => {
    await vigil?.stop();
    await bus.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  it('scores every transaction once, with a model version and reasons; bad ones go to the DLQ with the reason', async () => {
    const txs = await slice(CUTOFF, COUNT, run);
    const good = txs.map((t) => ({
      topic: 'risk.transactions',
      key: t.customerId,
      value: JSON.stringify({ transaction_id: t.id, timestamp: t.time, customer_id: t.customerId, terminal_id: t.terminalId, amount: t.amount, currency: 'EUR' }),
    }));
    const c = `${run}-bad`;
    const bad = [
      { transaction_id: `${run}-neg`, timestamp: CUTOFF, customer_id: c, terminal_id: c, amount: -5, currency: 'EUR' },
      { transaction_id: `${run}-nocust`, timestamp: CUTOFF, terminal_id: c, amount: 5, currency: 'EUR' },
      { transaction_id: `${run}-xyz`, timestamp: CUTOFF, customer_id: c, terminal_id: c, amount: 5, currency: 'XYZ' },
    ].map((v) => ({ topic: 'risk.transactions', key: c, value: JSON.stringify(v) }));
    // Labels for the first half, published now (known a day after each transaction): they may only count after the delay.
    const labels = txs.slice(0, COUNT / 2).map((t) => ({
      topic: 'risk.labels',
      key: t.customerId,
      value: JSON.stringify({ transaction_id: t.id, customer_id: t.customerId, terminal_id: t.terminalId, transaction_timestamp: t.time, timestamp: t.time + 86_400_000, fraud: t.fraud, amount: t.amount }),
    }));
    await bus.send([...good.slice(0, 1000), ...bad, ...good.slice(1000), ...labels]);
    // Every record of this test is before these offsets (asked again while a loaded broker still settles the topic).
    let ends: Array<{ partition: number; offset: string }> = [];
    await until(async () => (ends = await bus.endOffsets('risk.transactions').catch(() => [])).length > 0, 30_000, 'the end offsets of risk.transactions');

    vigil = new VigilProcess(['start', 'risk', '--port', String(PORT)], {
      KAFKA_BROKERS: brokers(),
      VIGIL_GROUP_PREFIX: run,
      RISK_MODEL_DIR: dir,
      RISK_CURRENCIES: 'EUR,USD',
      // No timed commit within the test: the offsets must be committed by the graceful stop.
      RISK_COMMIT_INTERVAL_MS: '600000',
    });
    const scores = new Map<string, ScoreMessage[]>();
    await until(async () => {
      const text = await (await fetch(`http://127.0.0.1:${PORT}/metrics`).catch(() => undefined))?.text();
      return text !== undefined && metric(text, 'vigil_records_processed_total{service="risk",topic="risk.transactions"}') >= COUNT;
    }, 60_000, 'the service to score the slice');
    const records = (await readAll(bus, 'risk.scores', COUNT, 60_000)).filter((r) => r.value!.toString().includes(`"${run}-`));
    const latencies: number[] = [];
    for (const r of records) {
      const s = JSON.parse(r.value!.toString()) as ScoreMessage;
      scores.set(s.transaction_id, [...(scores.get(s.transaction_id) ?? []), s]);
      latencies.push(r.timestamp - s.transaction_appended_at);
    }
    expect(scores.size).toBe(COUNT);
    expect([...scores.values()].every((s) => s.length === 1)).toBe(true);
    expect(txs.every((t) => scores.has(t.id))).toBe(true);
    const all = [...scores.values()].map((s) => s[0]!);
    expect(new Set(all.map((s) => s.model_version)).size).toBe(1);
    expect(all[0]!.model_version).toMatch(/^logistic-[0-9a-f]{12}$/);
    expect(all.every((s) => s.probability >= 0 && s.probability <= 1 && s.reasons.length > 0)).toBe(true);
    expect(all.every((s) => s.reasons.every((r) => /^(rule:|feature:)/.test(r)))).toBe(true);
    expect(latencies.every((l) => l >= 0)).toBe(true);
    // The model really ran: probabilities differ between transactions (rules alone would give 0).
    expect(new Set(all.map((s) => s.probability)).size).toBeGreaterThan(100);

    const dlq = (await readAll(bus, 'risk.transactions.dlq', 3, 60_000)).filter((r) => r.value!.toString().includes(`"${run}-`));
    const reasons = Object.fromEntries(dlq.map((r) => [JSON.parse(r.value!.toString()).transaction_id, [r.headers[DLQ_HEADERS.reason], r.headers[DLQ_HEADERS.error]]]));
    expect(reasons).toEqual({
      [`${run}-neg`]: ['schema', '/amount: must be >= 0'],
      [`${run}-nocust`]: ['schema', "/: must have required property 'customer_id'"],
      [`${run}-xyz`]: ['rejected', 'unknown currency XYZ; this service accepts EUR, USD'],
    });

    const text = await (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
    const decided = ['approve', 'review', 'decline'].reduce((n, d) => n + (metric(text, `vigil_risk_decisions_total{decision="${d}"}`) || 0), 0);
    expect(decided).toBeGreaterThanOrEqual(COUNT);
    expect(metric(text, 'vigil_risk_rejected_total{reason="currency_unknown"}')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^vigil_risk_processing_seconds_count \d+/m);
    // Graceful stop: consumers finish and commit, then Nest re-raises SIGTERM (the model's WASM
    // runtime keeps the event loop alive, so the process ends by that signal rather than draining).
    const v = vigil;
    vigil = undefined;
    const code = await v.stop();
    expect(code === 0 || v.child.signalCode === 'SIGTERM', `exit ${code} ${v.child.signalCode}`).toBe(true);
    expect(v.output).toMatch(/stopping 2 consumers on SIGTERM/);
    // Offsets are committed on a timer (here never within the test), and what was noted last is
    // committed on the way out: nothing this process scored will be delivered again.
    const committed = await committedOffsets(`${run}-risk`, 'risk.transactions');
    for (const e of ends) expect(committed.get(e.partition) ?? -1n, `partition ${e.partition}`).toBeGreaterThanOrEqual(BigInt(e.offset));
  });
});
