import { describe, expect, it } from 'vitest';
import type { HandlerContext, InRecord } from '../../platform/stage/types.js';
import { FEATURE_COUNT, FEATURE_INDEX } from '../features/feature-names.js';
import { DAY_MS } from '../options.js';
import { RiskScorer } from '../risk-scorer.js';
import { RISK_TOPICS } from '../risk.options.js';
import { RiskService, type LabelMessage, type TransactionMessage } from '../risk.service.js';
import { parseRiskRules } from '../rules/load-rules.js';
import { TrainingSet } from './training-set.js';

const T0 = Date.parse('2024-01-01T12:00:00Z');
let offset = 0;
function rec<T>(topic: string, value: T): InRecord<T> {
  return { topic, partition: 0, offset: String(offset++), key: 'c1', value, headers: {}, timestamp: T0 + offset, trace: undefined as never };
}
const tx = (id: string, time: number, amount = 50) =>
  rec<TransactionMessage>(RISK_TOPICS.transactions, { transaction_id: id, timestamp: time, customer_id: 'c1', terminal_id: 't1', amount });
const label = (id: string, txTime: number, known: number, fraud = true) =>
  rec<LabelMessage>(RISK_TOPICS.labels, { transaction_id: id, customer_id: 'c1', terminal_id: 't1', transaction_timestamp: txTime, timestamp: known, fraud, amount: 50 });
const ctx: HandlerContext = { heartbeat: async () => {}, isRunning: () => true, reject: () => {} };
const vector = (v: number) => new Float32Array(FEATURE_COUNT).fill(v);

/** The service wired as attachRetraining wires it (that refuses a rules-only scorer, which is all this test needs). */
function wired(set: TrainingSet) {
  const scorer = new RiskScorer(undefined, parseRiskRules([]));
  const scoredWith = new Map<string, Float32Array>();
  scorer.onScored = (t, f) => {
    scoredWith.set(t.id, f.slice());
    set.scored(t, f);
  };
  scorer.features.onLabelUsable = (l) => set.labelUsable(l);
  return { service: new RiskService(scorer, { topics: { ...RISK_TOPICS }, labelDelayMs: 7 * DAY_MS, currencies: undefined }, 'rules-only'), scoredWith };
}

describe('TrainingSet', () => {
  it('moves a scored vector into the labelled set only once its label is usable, after the delay', async () => {
    const set = new TrainingSet({ maxPending: 100, maxLabelled: 100 });
    const { service, scoredWith } = wired(set);
    await service.handle([tx('a', T0, 70)], ctx);
    // Published an hour later: the service holds it until transaction time + 7 days.
    await service.handle([label('a', T0, T0 + 3_600_000)], ctx);
    expect([set.pendingCount, set.labelledCount]).toEqual([1, 0]);
    await service.handle([tx('b', T0 + 7 * DAY_MS - 60_000)], ctx);
    expect(set.labelledCount).toBe(0);
    await service.handle([tx('c', T0 + 7 * DAY_MS + 60_000)], ctx);
    expect(set.labelledCount).toBe(1);
    const rows = set.snapshot();
    // The vector 'a' was scored with, not one recomputed with a week more history.
    expect(Array.from(rows.rows)).toEqual(Array.from(scoredWith.get('a')!));
    expect(rows.rows[FEATURE_INDEX.amount]).toBe(70);
    expect(rows.rows[FEATURE_INDEX.cust_tx_count_30d]).toBe(1);
    expect([rows.n, rows.labels[0], rows.times[0]]).toEqual([1, 1, T0]);
    expect([set.pendingCount, set.frauds]).toEqual([2, 1]);
  });

  it('keeps both parts bounded, oldest out first, and counts what it drops', () => {
    const drops: string[] = [];
    const set = new TrainingSet({ maxPending: 2, maxLabelled: 2 }, (r) => drops.push(r));
    const scored = (id: string, time: number) => set.scored({ id, time, customerId: 'c', terminalId: 't', amount: 1 }, vector(time));
    const usable = (id: string, fraud: boolean) => set.labelUsable({ transactionId: id, customerId: 'c', terminalId: 't', fraud, availableAt: 0 });
    scored('a', 1);
    scored('b', 2);
    scored('c', 3); // evicts a
    usable('a', true); // no vector for it any more
    usable('b', true);
    usable('c', false);
    scored('d', 4);
    usable('d', false); // evicts b, the oldest labelled row
    expect(drops).toEqual(['pending_evicted', 'label_unmatched', 'labelled_evicted']);
    const rows = set.snapshot();
    expect(Array.from(rows.times)).toEqual([3, 4]);
    expect(rows.rows[FEATURE_COUNT]).toBe(4); // d's vector, second
    expect(Array.from(rows.labels)).toEqual([0, 0]);
    expect([set.labelledCount, set.frauds, set.pendingCount]).toEqual([2, 0, 0]);
  });
});
