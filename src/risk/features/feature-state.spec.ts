import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../options.js';
import type { Transaction } from '../types.js';
import { FEATURE_INDEX as F } from './feature-names.js';
import { RiskFeatureState } from './feature-state.js';

const HOUR = 3_600_000;
// 2018-04-01 is a Sunday.
const DAY0 = Date.parse('2018-04-01T00:00:00Z');
let seq = 0;
const tx = (time: number, amount: number, customerId = 'c1', terminalId = 't1'): Transaction => ({ id: String(seq++), time, customerId, terminalId, amount });
const fraudLabel = (t: Transaction, availableAt: number) => ({ transactionId: t.id, customerId: t.customerId, terminalId: t.terminalId, fraud: true, availableAt });

describe('RiskFeatureState customer windows (hand-worked)', () => {
  const state = new RiskFeatureState();
  const f1 = state.observe(tx(DAY0 + 3 * HOUR, 10));
  const f2 = state.observe(tx(DAY0 + 13 * HOUR, 30));
  const f3 = state.observe(tx(DAY0 + 2 * DAY_MS + 12 * HOUR, 20));
  const f4 = state.observe(tx(DAY0 + 40 * DAY_MS + 12 * HOUR, 50));

  it('first transaction: counts itself, no history to compare with', () => {
    expect([f1[F.cust_tx_count_1d], f1[F.cust_tx_count_7d], f1[F.cust_tx_count_30d]]).toEqual([1, 1, 1]);
    expect(f1[F.cust_avg_amount_30d]).toBe(10);
    expect(f1[F.cust_amount_ratio_30d]).toBe(1);
    expect(f1[F.cust_amount_z_30d]).toBe(0);
    expect(f1[F.log_hours_since_prev_tx]).toBeCloseTo(Math.log1p(720));
    expect(f1[F.is_night]).toBe(1); // 03:00
    expect(f1[F.is_weekend]).toBe(1); // Sunday
  });

  it('second transaction ten hours later: windows add up, amount is 3x the history', () => {
    expect(f2[F.cust_tx_count_1d]).toBe(2);
    expect(f2[F.cust_avg_amount_1d]).toBe(20);
    expect(f2[F.cust_amount_ratio_30d]).toBe(3);
    expect(f2[F.log_hours_since_prev_tx]).toBeCloseTo(Math.log1p(10));
    expect(f2[F.is_night]).toBe(0);
  });

  it('two days on: the 1-day window has dropped the first two, the 7-day one has not', () => {
    expect(f3[F.cust_tx_count_1d]).toBe(1);
    expect(f3[F.cust_avg_amount_1d]).toBe(20);
    expect(f3[F.cust_tx_count_7d]).toBe(3);
    expect(f3[F.cust_avg_amount_7d]).toBe(20);
    // History 10, 30: mean 20, std 10, so 20 is z = 0 and ratio 1.
    expect(f3[F.cust_amount_ratio_30d]).toBe(1);
    expect(f3[F.cust_amount_z_30d]).toBe(0);
    expect(f3[F.is_weekend]).toBe(0); // Tuesday
  });

  it('forty days on: everything has left the 30-day window', () => {
    expect(f4[F.cust_tx_count_30d]).toBe(1);
    expect(f4[F.cust_amount_ratio_30d]).toBe(1);
    expect(f4[F.log_hours_since_prev_tx]).toBeCloseTo(Math.log1p(720));
  });
});

describe('label delay', () => {
  it('a label is not used before it arrives, then counts in the terminal and customer windows', () => {
    const state = new RiskFeatureState();
    const fraud = tx(DAY0, 100, 'victim', 'T');
    state.observe(fraud);
    const arrives = DAY0 + 7 * DAY_MS;
    state.addLabel(fraudLabel(fraud, arrives));

    const before = state.observe(tx(arrives - 1, 10, 'victim', 'T'));
    expect(before[F.term_labelled_count_30d]).toBe(0);
    expect(before[F.term_fraud_rate_30d]).toBe(0);
    expect(before[F.cust_known_frauds_30d]).toBe(0);
    expect(state.pendingLabelCount).toBe(1);

    const at = state.observe(tx(arrives, 10, 'other', 'T'));
    expect(at[F.term_labelled_count_1d]).toBe(1);
    expect(at[F.term_fraud_rate_1d]).toBe(1);
    expect(at[F.term_fraud_rate_30d]).toBe(1);

    const victimLater = state.observe(tx(arrives + DAY_MS + 1, 10, 'victim', 'T'));
    expect(victimLater[F.cust_known_frauds_7d]).toBe(1);
    // The 1-day window is over the label's arrival time: a day later it has left it.
    expect(victimLater[F.term_labelled_count_1d]).toBe(0);
    expect(victimLater[F.term_fraud_rate_7d]).toBe(1);
  });

  it('labels handed in out of order are still held back until each one arrives', () => {
    const state = new RiskFeatureState();
    const a = tx(DAY0, 1, 'a', 'T');
    const b = tx(DAY0, 1, 'b', 'T');
    state.observe(a);
    state.observe(b);
    state.addLabel(fraudLabel(b, DAY0 + 9 * DAY_MS));
    state.addLabel({ ...fraudLabel(a, DAY0 + 2 * DAY_MS), fraud: false });
    expect(state.observe(tx(DAY0 + 3 * DAY_MS, 1, 'x', 'T'))[F.term_labelled_count_30d]).toBe(1);
    const later = state.observe(tx(DAY0 + 9 * DAY_MS, 1, 'x', 'T'));
    expect(later[F.term_labelled_count_30d]).toBe(2);
    expect(later[F.term_fraud_rate_30d]).toBe(0.5);
  });
});

describe('terminal known frauds', () => {
  it('count arrived frauds and date the earliest one still in the 30-day window', () => {
    const state = new RiskFeatureState();
    const first = tx(DAY0, 10, 'a', 'T');
    const second = tx(DAY0 + DAY_MS, 10, 'b', 'T');
    const genuine = tx(DAY0 + DAY_MS, 10, 'c', 'T');
    for (const t of [first, second, genuine]) state.observe(t);
    state.addLabel(fraudLabel(first, DAY0 + 7 * DAY_MS));
    state.addLabel(fraudLabel(second, DAY0 + 8 * DAY_MS));
    state.addLabel({ ...fraudLabel(genuine, DAY0 + 8 * DAY_MS), fraud: false });

    const before = state.observe(tx(DAY0 + 7 * DAY_MS - 1, 10, 'x', 'T'));
    expect(before[F.term_log_known_frauds_30d]).toBe(0);
    expect(before[F.term_days_since_first_known_fraud]).toBe(30);

    const later = state.observe(tx(DAY0 + 10 * DAY_MS, 10, 'x', 'T'));
    expect(later[F.term_log_known_frauds_7d]).toBeCloseTo(Math.log(3));
    expect(later[F.term_log_known_frauds_30d]).toBeCloseTo(Math.log(3));
    expect(later[F.term_days_since_first_known_fraud]).toBeCloseTo(3);

    // 15 days after the first arrival the 7-day count is empty, the 30-day one is not.
    const weekOn = state.observe(tx(DAY0 + 22 * DAY_MS, 10, 'x', 'T'));
    expect(weekOn[F.term_log_known_frauds_7d]).toBe(0);
    expect(weekOn[F.term_log_known_frauds_30d]).toBeCloseTo(Math.log(3));
    expect(weekOn[F.term_days_since_first_known_fraud]).toBeCloseTo(15);

    // The first fraud label leaves the window 30 days after it arrived; the second one is then the earliest.
    const month = state.observe(tx(DAY0 + 37 * DAY_MS + HOUR, 10, 'x', 'T'));
    expect(month[F.term_log_known_frauds_30d]).toBeCloseTo(Math.log(2));
    expect(month[F.term_days_since_first_known_fraud]).toBeCloseTo(29 + 1 / 24);
  });
});

describe('amount bands', () => {
  it('learn the fraud share of similar amounts from arrived labels only', () => {
    const state = new RiskFeatureState();
    const big = tx(DAY0, 230, 'a', 'T1');
    const small = tx(DAY0, 20, 'b', 'T2');
    state.observe(big);
    state.observe(small);
    state.addLabel({ ...fraudLabel(big, DAY0 + 7 * DAY_MS), amount: 230 });
    state.addLabel({ ...fraudLabel(small, DAY0 + 7 * DAY_MS), amount: 20, fraud: false });
    expect(state.observe(tx(DAY0 + 6 * DAY_MS, 231, 'c', 'T3'))[F.amount_band_fraud_rate_30d]).toBe(0);
    const similar = state.observe(tx(DAY0 + 7 * DAY_MS, 232, 'c', 'T3'));
    expect(similar[F.amount_band_fraud_rate_30d]).toBe(1);
    expect(similar[F.amount_band_log_labelled_30d]).toBeCloseTo(Math.log(2));
    // 20.5 is in the genuine label's band; 100 in a band with no labels.
    expect(state.observe(tx(DAY0 + 7 * DAY_MS, 20.5, 'c', 'T3'))[F.amount_band_log_labelled_30d]).toBeCloseTo(Math.log(2));
    expect(state.observe(tx(DAY0 + 7 * DAY_MS, 100, 'c', 'T3'))[F.amount_band_log_labelled_30d]).toBe(0);
  });
});

describe('state lifecycle', () => {
  it('round-trips through JSON mid-stream and then computes the same features', () => {
    const txs = Array.from({ length: 400 }, (_, i) => tx(DAY0 + i * 2 * HOUR, 10 + (i % 13), `c${i % 7}`, `t${i % 5}`));
    const a = new RiskFeatureState();
    const feed = (s: RiskFeatureState, t: Transaction) => {
      const f = s.observe(t);
      s.addLabel({ ...fraudLabel(t, t.time + 7 * DAY_MS), fraud: Number(t.id) % 11 === 0, amount: t.amount });
      return f;
    };
    txs.slice(0, 200).forEach((t) => feed(a, t));
    const b = RiskFeatureState.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    for (const t of txs.slice(200)) expect(Array.from(feed(b, t))).toEqual(Array.from(feed(a, t)));
  });

  it('forgets customers and terminals idle for more than 30 days', () => {
    const state = new RiskFeatureState();
    state.observe(tx(DAY0, 5, 'old', 'old-t'));
    state.observe(tx(DAY0 + 20 * DAY_MS, 5, 'new', 'new-t'));
    expect(state.customerCount).toBe(2);
    state.advanceTo(DAY0 + 45 * DAY_MS);
    expect(state.customerCount).toBe(1);
    expect(state.terminalCount).toBe(1);
    state.advanceTo(DAY0 + 51 * DAY_MS);
    expect(state.customerCount).toBe(0);
    expect(state.terminalCount).toBe(0);
  });

  it('forgets idle entities a few per transaction, and a forgotten customer scores as one not yet forgotten', () => {
    const state = new RiskFeatureState();
    for (let i = 0; i < 100; i++) state.observe(tx(DAY0 + i, 5, `c${i}`, `t${i}`));
    state.advanceTo(DAY0 + 45 * DAY_MS);
    // One call looks at a few entities, not all 200.
    expect(state.customerCount).toBeGreaterThan(50);
    const forgotten = Array.from(state.observe(tx(DAY0 + 45 * DAY_MS, 7, 'c0', 'fresh-1')));
    const kept = Array.from(state.observe(tx(DAY0 + 45 * DAY_MS, 7, 'c99', 'fresh-2')));
    expect(kept).toEqual(forgotten);
    for (let k = 0; k < 20; k++) state.advanceTo(DAY0 + 45 * DAY_MS + k);
    // c0 and c99 came back; the other 98 and their terminals are gone.
    expect(state.customerCount).toBe(2);
    expect(state.terminalCount).toBe(2);
  });
});
