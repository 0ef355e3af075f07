import { describe, expect, it } from 'vitest';
import type { HandlerContext, InRecord } from '../platform/stage/types.js';
import { DAY_MS } from './options.js';
import { RiskScorer } from './risk-scorer.js';
import { RISK_TOPICS } from './risk.options.js';
import { RiskService, type LabelMessage, type ScoreMessage, type TransactionMessage } from './risk.service.js';
import { parseRiskRules } from './rules/load-rules.js';

const T0 = Date.parse('2024-01-01T12:00:00Z');
const rules = parseRiskRules([
  {
    file: 'r.yaml',
    text: [
      'limits:',
      '  - { id: terminal-fraud-known, feature: term_fraud_rate_30d, above: 0, decision: review }',
      '  - { id: big, feature: amount, above: 1000, decision: decline }',
    ].join('\n'),
  },
]);

function service(currencies?: string[]): RiskService {
  return new RiskService(new RiskScorer(undefined, rules), { topics: { ...RISK_TOPICS }, labelDelayMs: 7 * DAY_MS, currencies: currencies && new Set(currencies) }, 'rules-only');
}

let offset = 0;
function rec<T>(topic: string, value: T): InRecord<T> {
  return { topic, partition: 0, offset: String(offset++), key: 'c1', value, headers: {}, timestamp: 1_700_000_000_000 + offset, trace: undefined as never };
}
const tx = (id: string, time: number, extra: Partial<TransactionMessage> = {}) =>
  rec<TransactionMessage>(RISK_TOPICS.transactions, { transaction_id: id, timestamp: time, customer_id: 'c1', terminal_id: 't1', amount: 50, ...extra });
const label = (id: string, txTime: number, known: number): InRecord<LabelMessage> =>
  rec(RISK_TOPICS.labels, { transaction_id: id, customer_id: 'c1', terminal_id: 't1', transaction_timestamp: txTime, timestamp: known, fraud: true, amount: 50 });

function ctx(): HandlerContext & { rejected: Array<[string, string]> } {
  const rejected: Array<[string, string]> = [];
  return { heartbeat: async () => {}, isRunning: () => true, reject: (r, e) => void rejected.push([r.offset, e]), rejected };
}

describe('RiskService', () => {
  it('scores each transaction once, with reasons, the model version and the append time of its input', async () => {
    const s = service();
    const records = [tx('a', T0), tx('b', T0 + 1000, { amount: 5000 })];
    const out = await s.handle(records, ctx());
    expect(out).toHaveLength(2);
    const [a, b] = out.map((e) => e.value as ScoreMessage);
    expect(out[0]!.topic).toBe('risk.scores');
    expect(out[0]!.key).toBe('c1');
    expect(a).toMatchObject({ transaction_id: 'a', decision: 'approve', probability: 0, model_version: 'rules-only', timestamp: T0, transaction_appended_at: records[0]!.timestamp });
    expect(b).toMatchObject({ decision: 'decline', reasons: ['rule:big'] });
    expect(a!.id).toBe(out[0]!.id);
    // Redelivered: same id, same score, features untouched (count stays at 2).
    const again = await s.handle([records[1]!], ctx());
    expect(again[0]!.id).toBe(out[1]!.id);
    expect(again[0]!.value).toEqual(out[1]!.value);
  });

  it('rejects an unknown or missing currency when currencies are configured, and scores the rest', async () => {
    const s = service(['EUR', 'USD']);
    const c = ctx();
    const records = [tx('a', T0, { currency: 'EUR' }), tx('b', T0 + 1, { currency: 'XYZ' }), tx('c', T0 + 2), tx('d', T0 + 3, { currency: 'USD' })];
    const out = await s.handle(records, c);
    expect(out.map((e) => (e.value as ScoreMessage).transaction_id)).toEqual(['a', 'd']);
    expect(c.rejected).toEqual([
      [records[1]!.offset, 'unknown currency XYZ; this service accepts EUR, USD'],
      [records[2]!.offset, 'currency missing; this service accepts EUR, USD'],
    ]);
  });

  it('holds a label until the delay has passed even when it is published at once, and counts a redelivered label once', async () => {
    const s = service();
    await s.handle([tx('t1', T0)], ctx());
    const l = label('t1', T0, T0 + 3_600_000);
    expect(s.availableAt(l.value)).toBe(T0 + 7 * DAY_MS);
    await s.handle([l, { ...l, offset: String(offset++) }], ctx());
    expect(s.scorer.features.pendingLabelCount).toBe(1);
    const before = await s.handle([tx('t2', T0 + 7 * DAY_MS - 60_000)], ctx());
    expect((before[0]!.value as ScoreMessage).reasons).toEqual([]);
    const after = await s.handle([tx('t3', T0 + 7 * DAY_MS + 60_000)], ctx());
    expect(after[0]!.value).toMatchObject({ decision: 'review', reasons: ['rule:terminal-fraud-known'] });
    // A label known later than the delay counts from when it was known.
    expect(s.availableAt(label('x', T0, T0 + 9 * DAY_MS).value)).toBe(T0 + 9 * DAY_MS);
  });
});
