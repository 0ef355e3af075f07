import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../platform/ml/backend.js';
import { FEATURE_COUNT } from './features/feature-names.js';
import { RiskFeatureState } from './features/feature-state.js';
import { RiskModel } from './model/risk-model.js';
import { DAY_MS } from './options.js';
import { RiskScorer } from './risk-scorer.js';
import { parseRiskRules } from './rules/load-rules.js';
import type { Transaction } from './types.js';
import { warmUp } from './warm-up.js';

const rules = parseRiskRules([
  { file: 'r.yaml', text: 'thresholds: { review: 0.5, decline: 0.9 }\nlists:\n  - { id: blocked, decision: decline, terminals: [bad] }' },
]);

/** A model that has learned "large amounts are fraud", on features from the real feature code. */
async function amountModel(): Promise<RiskModel> {
  const n = 2000;
  const state = new RiskFeatureState();
  const rows = new Float32Array(n * FEATURE_COUNT);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 4 === 0 ? 1 : 0;
    const tx = { id: `h${i}`, time: T0 - 30 * DAY_MS + i * 600_000, customerId: `c${i % 50}`, terminalId: `t${i % 20}`, amount: labels[i] ? 400 + (i % 50) : 20 + (i % 50) };
    state.observe(tx, rows.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT));
  }
  return RiskModel.train(rows, labels, n, { kind: 'logistic', hidden: [], epochs: 20, batchSize: 100, learningRate: 0.05, seed: 1 });
}

const T0 = Date.parse('2018-07-02T12:00:00Z');
const txs: Transaction[] = Array.from({ length: 40 }, (_, i) => ({
  id: `tx${i}`,
  time: T0 + i * 60_000,
  customerId: `c${i % 3}`,
  terminalId: i === 5 ? 'bad' : `t${i % 4}`,
  amount: i % 10 === 9 ? 450 : 25,
}));

describe('RiskScorer', () => {
  let model: RiskModel;
  beforeAll(async () => {
    await initBackend(() => {});
    model = await amountModel();
  });

  it('scores one at a time and in batches alike, with rules forcing decisions and reasons naming features', () => {
    const single = new RiskScorer(model, rules);
    const batched = new RiskScorer(model, rules);
    const one = txs.map((tx) => single.score(tx));
    const many = [...batched.scoreBatch(txs.slice(0, 17)), ...batched.scoreBatch(txs.slice(17))];
    expect(many.map((r) => r.decision)).toEqual(one.map((r) => r.decision));
    many.forEach((r, i) => expect(r.score).toBeCloseTo(one[i]!.score, 5));

    expect(one[5]).toMatchObject({ decision: 'decline', rules: ['blocked'] });
    expect(one[9]).toMatchObject({ decision: 'decline', rules: [] });
    // 450 against a history of 25s: the reasons are the amount and how far it is from the card's usual.
    const named = one[9]!.reasons.map((r) => (r.kind === 'feature' ? r.feature : r.rule));
    expect(named).toContain('amount');
    expect(named.every((f) => ['amount', 'cust_amount_z_30d', 'cust_amount_ratio_30d', 'cust_avg_amount_1d', 'cust_avg_amount_7d', 'cust_avg_amount_30d'].includes(f))).toBe(true);
    expect(one[0]!.decision).toBe('approve');
  });

  it('a warm-up at start scores synthetic transactions on a state of its own: the live scores are those of a cold scorer', () => {
    const cold = new RiskScorer(model, rules).scoreBatch(txs);
    const w = warmUp(model, rules, { reasons: 'always' }, 300);
    expect(w.transactions).toBe(300);
    const live = new RiskScorer(model, rules);
    expect(live.scoreBatch(txs)).toEqual(cold);
  });

  it('explains only flagged transactions when asked to', () => {
    const scorer = new RiskScorer(model, rules, undefined, { reasons: 'flagged' });
    const results = scorer.scoreBatch(txs.slice(0, 10));
    expect(results[0]!.reasons).toEqual([]);
    expect(results[9]!.decision).toBe('decline');
    expect(results[9]!.reasons.length).toBeGreaterThan(0);
  });

  it('returns the first result for a redelivered transaction without counting it again', () => {
    const scorer = new RiskScorer(model, rules);
    const first = scorer.score(txs[0]!);
    const [again, next] = scorer.scoreBatch([txs[0]!, txs[3]!, txs[3]!]);
    expect(again).toBe(first);
    expect(next!.transactionId).toBe('tx3');
    // tx0 and tx3 are both c0's: had tx0 been counted twice, tx3 would see three transactions.
    const counted = new RiskScorer(model, rules);
    counted.score(txs[0]!);
    expect(next!.score).toBeCloseTo(counted.score(txs[3]!).score, 6);
  });

  it('takes labels as they arrive', () => {
    const scorer = new RiskScorer(model, rules);
    scorer.score(txs[0]!);
    scorer.addLabel({ transactionId: 'tx0', customerId: 'c0', terminalId: 't0', fraud: true, availableAt: T0 + 7 * DAY_MS });
    expect(scorer.features.pendingLabelCount).toBe(1);
    scorer.score({ ...txs[1]!, time: T0 + 8 * DAY_MS });
    expect(scorer.features.pendingLabelCount).toBe(0);
  });
});
