import { FEATURE_COUNT } from '../features/feature-names.js';
import { RiskFeatureState } from '../features/feature-state.js';
import { DAY_MS } from '../options.js';
import { readTransactions, type FileTransaction } from './read-transactions.js';

/** Every transaction of a file with its online features, columnar so 1M+ rows stay compact. */
export class FeatureDataset {
  n = 0;
  rows = new Float32Array((1 << 16) * FEATURE_COUNT);
  labels = new Uint8Array(1 << 16);
  times = new Float64Array(1 << 16);
  days = new Int32Array(1 << 16);
  customers: string[] = [];

  push(tx: FileTransaction, features: Float32Array): void {
    if (this.n === this.labels.length) this.grow();
    this.rows.set(features, this.n * FEATURE_COUNT);
    this.labels[this.n] = tx.fraud ? 1 : 0;
    this.times[this.n] = tx.time;
    this.days[this.n] = tx.day;
    this.customers.push(tx.customerId);
    this.n++;
  }

  /** Copies the given rows (features and labels) into dense arrays for training. */
  select(indices: ArrayLike<number>): { rows: Float32Array; labels: Uint8Array } {
    const rows = new Float32Array(indices.length * FEATURE_COUNT);
    const labels = new Uint8Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      rows.set(this.rows.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT), k * FEATURE_COUNT);
      labels[k] = this.labels[i]!;
    }
    return { rows, labels };
  }

  private grow(): void {
    const size = this.labels.length * 2;
    const rows = new Float32Array(size * FEATURE_COUNT);
    rows.set(this.rows);
    this.rows = rows;
    const labels = new Uint8Array(size);
    labels.set(this.labels);
    this.labels = labels;
    const times = new Float64Array(size);
    times.set(this.times);
    this.times = times;
    const days = new Int32Array(size);
    days.set(this.days);
    this.days = days;
  }
}

export interface ReplayOptions {
  labelDelayDays: number;
  /** Stop before the first transaction at or after this time. */
  until?: number;
  /** Called before each transaction is observed, with the state as it then is. */
  beforeObserve?: (tx: FileTransaction, state: RiskFeatureState) => void;
}

/**
 * Replays a file in time order through the online feature code, exactly as the streaming scorer
 * would see it: each transaction's label is announced when the transaction is seen and becomes
 * usable `labelDelayDays` later (the feature state holds it back until then).
 */
export async function replayFile(file: string, options: ReplayOptions): Promise<{ dataset: FeatureDataset; state: RiskFeatureState }> {
  const delayMs = options.labelDelayDays * DAY_MS;
  const state = new RiskFeatureState();
  const dataset = new FeatureDataset();
  const features = new Float32Array(FEATURE_COUNT);
  let last = Number.NEGATIVE_INFINITY;
  for await (const tx of readTransactions(file)) {
    if (tx.time < last) throw new Error(`${file}: transaction ${tx.id} is out of time order; sort the file by TX_DATETIME`);
    last = tx.time;
    if (options.until !== undefined && tx.time >= options.until) break;
    options.beforeObserve?.(tx, state);
    state.observe(tx, features);
    state.addLabel({ transactionId: tx.id, customerId: tx.customerId, terminalId: tx.terminalId, fraud: tx.fraud, amount: tx.amount, availableAt: tx.time + delayMs });
    dataset.push(tx, features);
  }
  return { dataset, state };
}

/**
 * Rows a model trained at `cutoff` may learn from: labels arrived strictly before the cut-off, and
 * the row is past the warm-up (its 30-day windows were full when it was computed).
 */
export function trainingRows(dataset: FeatureDataset, cutoff: number, labelDelayMs: number, warmupMs: number): Uint32Array {
  const start = dataset.n > 0 ? dataset.times[0]! + warmupMs : 0;
  const picked: number[] = [];
  for (let i = 0; i < dataset.n; i++) {
    const t = dataset.times[i]!;
    if (t >= start && t + labelDelayMs < cutoff) picked.push(i);
  }
  return Uint32Array.from(picked);
}
