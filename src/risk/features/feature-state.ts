import { DAY_MS, WINDOW_DAYS } from '../options.js';
import type { LabelEvent, Transaction } from '../types.js';
import { FEATURE_COUNT, FEATURE_INDEX as F } from './feature-names.js';
import { PendingLabels } from './pending-labels.js';
import { WindowedSeries } from './windowed-series.js';

const WINDOWS_MS = WINDOW_DAYS.map((d) => d * DAY_MS);
const CUSTOMER_FRAUD_WINDOWS_MS = [7 * DAY_MS, 30 * DAY_MS];
const HOUR_MS = 3_600_000;
/** "No previous transaction" reads as a month of quiet. */
const MAX_GAP_HOURS = 30 * 24;
/** Entities the forgetting pass looks at per transaction. */
const SWEEP_STEP = 16;
const Z_CLIP = 20;
/** "No fraud label in the terminal's 30-day window" reads as the oldest possible one. */
const MAX_FRAUD_AGE_DAYS = 30;
const BAND_WINDOWS_MS = [30 * DAY_MS];
/** Amount bands are 5% wide on a log scale: about 280 bands from 0 to 10^6. */
const BAND_LOG_WIDTH = Math.log(1.05);

export function amountBand(amount: number): number {
  return Math.floor(Math.log1p(Math.max(0, amount)) / BAND_LOG_WIDTH);
}

interface CustomerState {
  amounts: WindowedSeries;
  /** Arrived labels, keyed by arrival time; value 1 for fraud, 0 for genuine. */
  labels: WindowedSeries;
  lastTxTime: number | undefined;
}

interface TerminalState {
  txs: WindowedSeries;
  labels: WindowedSeries;
}

type SeriesDump = [times: number[], values: number[]];

/** JSON form of the state: what the streaming service snapshots and rebuilds on rebalance. */
export interface SerialisedFeatureState {
  version: 1;
  clock: number;
  customers: Array<[id: string, amounts: SeriesDump, labels: SeriesDump, lastTxTime: number | null]>;
  terminals: Array<[id: string, txTimes: number[], labels: SeriesDump]>;
  bands: Array<[band: number, labels: SeriesDump]>;
  pending: LabelEvent[];
}

/**
 * Online features for card transactions, keyed by customer and by terminal, computed from the
 * stream itself in event-time order. The same object runs in the offline replay and in the
 * streaming scorer, so training and serving features cannot drift apart.
 *
 * Labels are handed in whenever they are announced and are held back until their `availableAt`:
 * no feature ever sees a label early, whoever the caller is.
 */
export class RiskFeatureState {
  private readonly customers = new Map<string, CustomerState>();
  private readonly terminals = new Map<string, TerminalState>();
  /** Arrived labels by amount band: global state, shared by every customer and terminal. */
  private readonly bands = new Map<number, WindowedSeries>();
  private readonly pending = new PendingLabels();
  private clock = Number.NEGATIVE_INFINITY;
  private nextSweep = Number.NEGATIVE_INFINITY;
  /** The forgetting pass under way, if any. */
  private sweeping: Generator<void, void, void> | undefined;
  /**
   * Told of each label the moment it starts counting (its `availableAt` reached in event time):
   * retraining takes its labels here, so it can never use one earlier than the features do.
   */
  onLabelUsable: ((label: LabelEvent) => void) | undefined;

  get customerCount(): number {
    return this.customers.size;
  }

  get terminalCount(): number {
    return this.terminals.size;
  }

  get pendingLabelCount(): number {
    return this.pending.size;
  }

  /** Event time: the latest transaction time seen (or restored); -Infinity before any. */
  get eventTime(): number {
    return this.clock;
  }

  /** Transaction ids of the labels waiting for their arrival time. */
  pendingLabelIds(): Set<string> {
    return new Set(this.pending.toArray().map((l) => l.transactionId));
  }

  /** Queues a label; it starts counting at its `availableAt` (or at once if that has passed). */
  addLabel(label: LabelEvent): void {
    this.pending.push(label);
    if (label.availableAt <= this.clock) this.releaseLabels(this.clock);
  }

  /** Moves event time forward without a transaction (e.g. on a label-only partition). */
  advanceTo(now: number): void {
    if (now > this.clock) this.clock = now;
    this.releaseLabels(this.clock);
    this.sweep(this.clock);
  }

  /** Features of `tx` from everything before it, then `tx` joins the history. */
  observe(tx: Transaction, out: Float32Array = new Float32Array(FEATURE_COUNT)): Float32Array {
    this.advanceTo(tx.time);
    // A late (out-of-order) event is placed at the entity's latest time so windows stay ordered.
    const customer = this.customer(tx.customerId);
    const terminal = this.terminal(tx.terminalId);
    const now = Math.max(tx.time, customer.amounts.lastTime ?? tx.time, terminal.txs.lastTime ?? tx.time);
    customer.amounts.advance(now);
    customer.labels.advance(now);
    terminal.txs.advance(now);
    terminal.labels.advance(now);
    const band = this.bands.get(amountBand(tx.amount));
    band?.advance(now);

    const a = customer.amounts;
    const priorN = a.count[2]!;
    const priorMean = priorN > 0 ? a.sum[2]! / priorN : 0;
    const priorStd = priorN > 1 ? Math.sqrt(Math.max(0, a.sumSq[2]! / priorN - priorMean * priorMean)) : 0;
    const gapHours = customer.lastTxTime === undefined ? MAX_GAP_HOURS : Math.min(MAX_GAP_HOURS, (now - customer.lastTxTime) / HOUR_MS);

    a.add(now, tx.amount);
    terminal.txs.add(now, 1);
    customer.lastTxTime = now;

    const date = new Date(tx.time);
    const hour = date.getUTCHours();
    const weekday = date.getUTCDay();
    out[F.amount] = tx.amount;
    out[F.is_night] = hour < 6 ? 1 : 0;
    out[F.is_weekend] = weekday === 0 || weekday === 6 ? 1 : 0;
    out[F.log_hours_since_prev_tx] = Math.log1p(gapHours);
    for (let w = 0; w < 3; w++) {
      out[F.cust_tx_count_1d + w] = a.count[w]!;
      out[F.cust_avg_amount_1d + w] = a.sum[w]! / a.count[w]!;
      out[F.term_tx_count_1d + w] = terminal.txs.count[w]!;
      const labelled = terminal.labels.count[w]!;
      out[F.term_labelled_count_1d + w] = labelled;
      out[F.term_fraud_rate_1d + w] = labelled > 0 ? terminal.labels.sum[w]! / labelled : 0;
    }
    out[F.cust_amount_ratio_30d] = priorN > 0 ? tx.amount / Math.max(priorMean, 1) : 1;
    const spread = Math.max(priorStd, 0.1 * priorMean, 1);
    out[F.cust_amount_z_30d] = priorN > 1 ? clip((tx.amount - priorMean) / spread, Z_CLIP) : 0;
    out[F.cust_known_frauds_7d] = customer.labels.sum[0]!;
    out[F.cust_known_frauds_30d] = customer.labels.sum[1]!;
    const bandLabelled = band?.count[0] ?? 0;
    out[F.amount_band_log_labelled_30d] = Math.log1p(bandLabelled);
    out[F.amount_band_fraud_rate_30d] = bandLabelled > 0 ? band!.sum[0]! / bandLabelled : 0;
    out[F.term_log_known_frauds_7d] = Math.log1p(terminal.labels.sum[1]!);
    out[F.term_log_known_frauds_30d] = Math.log1p(terminal.labels.sum[2]!);
    const firstFraud = terminal.labels.firstTimeOf(1);
    out[F.term_days_since_first_known_fraud] = firstFraud === undefined ? MAX_FRAUD_AGE_DAYS : Math.min(MAX_FRAUD_AGE_DAYS, (now - firstFraud) / DAY_MS);
    return out;
  }

  toJSON(): SerialisedFeatureState {
    const dump = (s: WindowedSeries): SeriesDump => {
      const { times, values } = s.events();
      return [times, values];
    };
    return {
      version: 1,
      clock: this.clock,
      customers: [...this.customers].map(([id, c]) => [id, dump(c.amounts), dump(c.labels), c.lastTxTime ?? null]),
      terminals: [...this.terminals].map(([id, t]) => [id, t.txs.events().times, dump(t.labels)]),
      bands: [...this.bands].map(([band, series]) => [band, dump(series)]),
      pending: this.pending.toArray(),
    };
  }

  static fromJSON(json: SerialisedFeatureState): RiskFeatureState {
    if (json.version !== 1) throw new Error(`unsupported feature state version ${String(json.version)}`);
    const state = new RiskFeatureState();
    const now = json.clock;
    state.clock = now;
    for (const [id, [at, av], [lt, lv], last] of json.customers) {
      state.customers.set(id, {
        amounts: WindowedSeries.restore(WINDOWS_MS, at, av, now),
        labels: WindowedSeries.restore(CUSTOMER_FRAUD_WINDOWS_MS, lt, lv, now),
        lastTxTime: last ?? undefined,
      });
    }
    for (const [id, times, [lt, lv]] of json.terminals) {
      state.terminals.set(id, {
        txs: WindowedSeries.restore(WINDOWS_MS, times, times.map(() => 1), now),
        labels: WindowedSeries.restore(WINDOWS_MS, lt, lv, now),
      });
    }
    for (const [band, [lt, lv]] of json.bands) state.bands.set(band, WindowedSeries.restore(BAND_WINDOWS_MS, lt, lv, now));
    for (const label of json.pending) state.pending.push(label);
    return state;
  }

  private releaseLabels(now: number): void {
    for (const label of this.pending.releaseUntil(now)) {
      this.onLabelUsable?.(label);
      const value = label.fraud ? 1 : 0;
      addInOrder(this.customer(label.customerId).labels, label.availableAt, value);
      addInOrder(this.terminal(label.terminalId).labels, label.availableAt, value);
      if (label.amount !== undefined) {
        const key = amountBand(label.amount);
        let band = this.bands.get(key);
        if (!band) this.bands.set(key, (band = new WindowedSeries(BAND_WINDOWS_MS)));
        addInOrder(band, label.availableAt, value);
      }
    }
  }

  /**
   * Once a day of event time, forget entities with nothing left in any window: a pass over every
   * entity, a few per call, so no transaction waits for a whole pass (at 2,000 transactions/s a
   * day of event time goes by in seconds, and a pass in one go stalled scoring for 50-120 ms).
   * When an entity is forgotten does not change any feature: a customer goes only after 30 days
   * without a transaction, where the gap feature is already capped, and empty windows count 0.
   */
  private sweep(now: number): void {
    if (!this.sweeping) {
      if (now < this.nextSweep) return;
      this.nextSweep = now + DAY_MS;
      this.sweeping = this.sweepPass();
    }
    for (let i = 0; i < SWEEP_STEP; i++) {
      if (this.sweeping.next().done) {
        this.sweeping = undefined;
        return;
      }
    }
  }

  /** One entity per step, at the event time of that step (Map iteration tolerates the deletes). */
  private *sweepPass(): Generator<void, void, void> {
    for (const [id, c] of this.customers) {
      c.amounts.advance(this.clock);
      c.labels.advance(this.clock);
      if (c.amounts.size === 0 && c.labels.size === 0) this.customers.delete(id);
      yield;
    }
    for (const [id, t] of this.terminals) {
      t.txs.advance(this.clock);
      t.labels.advance(this.clock);
      if (t.txs.size === 0 && t.labels.size === 0) this.terminals.delete(id);
      yield;
    }
    for (const [key, band] of this.bands) {
      band.advance(this.clock);
      if (band.size === 0) this.bands.delete(key);
      yield;
    }
  }

  private customer(id: string): CustomerState {
    let c = this.customers.get(id);
    if (!c) {
      c = { amounts: new WindowedSeries(WINDOWS_MS), labels: new WindowedSeries(CUSTOMER_FRAUD_WINDOWS_MS), lastTxTime: undefined };
      this.customers.set(id, c);
    }
    return c;
  }

  private terminal(id: string): TerminalState {
    let t = this.terminals.get(id);
    if (!t) {
      t = { txs: new WindowedSeries(WINDOWS_MS), labels: new WindowedSeries(WINDOWS_MS) };
      this.terminals.set(id, t);
    }
    return t;
  }
}

/** A label handed in after later ones were recorded is counted from the latest recorded time. */
function addInOrder(series: WindowedSeries, time: number, value: number): void {
  series.add(Math.max(time, series.lastTime ?? time), value);
}

function clip(x: number, limit: number): number {
  return x > limit ? limit : x < -limit ? -limit : x;
}

