import { FEATURE_COUNT } from '../features/feature-names.js';
import type { LabelEvent, Transaction } from '../types.js';

/** One labelled row: the feature vector the service scored with, and the verdict that arrived later. */
export interface LabelledRow {
  features: Float32Array;
  fraud: boolean;
  /** The transaction's event time: the holdout is the most recent slice by this. */
  time: number;
}

export interface TrainingSetLimits {
  /** Scored transactions whose vector is kept while their label is awaited. */
  maxPending: number;
  /** Labelled rows kept for retraining, the most recent ones. */
  maxLabelled: number;
}

/** Why a vector or a row was let go; counted so a too-small buffer shows in the metrics. */
export type DropReason = 'pending_evicted' | 'label_unmatched' | 'labelled_evicted';

/**
 * This process's material for retraining. `scored` keeps, by transaction id, the exact vector
 * each transaction was scored with (recomputing later would see a different history); `labelUsable`
 * is called by the feature state when a label starts counting, i.e. never before its delay, and
 * moves the pair into the labelled set. Both parts are bounded, oldest out first.
 */
export class TrainingSet {
  /** Insertion-ordered, so the first key is the oldest. */
  private readonly pending = new Map<string, { features: Float32Array; time: number }>();
  /** A ring of the most recent labelled rows. */
  private readonly rows: LabelledRow[] = [];
  private next = 0;
  private fraudCount = 0;
  readonly dropped: Record<DropReason, number> = { pending_evicted: 0, label_unmatched: 0, labelled_evicted: 0 };

  constructor(
    private readonly limits: TrainingSetLimits,
    private readonly onDrop: (reason: DropReason) => void = () => {},
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  get labelledCount(): number {
    return this.rows.length;
  }

  get frauds(): number {
    return this.fraudCount;
  }

  /** The vector `tx` was scored with; kept until its label can be used. */
  scored(tx: Transaction, features: Float32Array): void {
    if (features.length !== FEATURE_COUNT) throw new Error(`expected ${FEATURE_COUNT} features, got ${features.length}`);
    if (this.limits.maxPending === 0) return;
    this.pending.delete(tx.id);
    this.pending.set(tx.id, { features, time: tx.time });
    if (this.pending.size > this.limits.maxPending) {
      this.pending.delete(this.pending.keys().next().value!);
      this.drop('pending_evicted');
    }
  }

  /** A label has reached its `availableAt`: its transaction's vector becomes a training row. */
  labelUsable(label: LabelEvent): void {
    const entry = this.pending.get(label.transactionId);
    if (!entry) {
      // Scored by another process, before this one started, or evicted: no vector to learn from.
      this.drop('label_unmatched');
      return;
    }
    this.pending.delete(label.transactionId);
    this.add({ features: entry.features, fraud: label.fraud, time: entry.time });
  }

  /** The labelled rows, oldest transaction first: a copy, so training is not disturbed by new labels. */
  snapshot(): LabelledRow[] {
    return [...this.rows].sort((a, b) => a.time - b.time);
  }

  private add(row: LabelledRow): void {
    if (this.limits.maxLabelled === 0) return;
    if (row.fraud) this.fraudCount++;
    if (this.rows.length < this.limits.maxLabelled) {
      this.rows.push(row);
      return;
    }
    if (this.rows[this.next]!.fraud) this.fraudCount--;
    this.rows[this.next] = row;
    this.next = (this.next + 1) % this.limits.maxLabelled;
    this.drop('labelled_evicted');
  }

  private drop(reason: DropReason): void {
    this.dropped[reason]++;
    this.onDrop(reason);
  }
}
