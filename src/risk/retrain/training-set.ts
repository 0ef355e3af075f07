import { FEATURE_COUNT } from '../features/feature-names.js';
import type { LabelEvent, Transaction } from '../types.js';

/** Labelled rows packed for `RiskModel.train`, oldest transaction first. */
export interface LabelledRows {
  n: number;
  /** Row-major, n x FEATURE_COUNT: the vectors the service scored with. */
  rows: Float32Array;
  labels: Uint8Array;
  /** The transactions' event times: the holdout is the most recent slice by this. */
  times: Float64Array;
}

export interface TrainingSetLimits {
  /** The last this-many scored transactions keep their vector while their label is awaited. */
  maxPending: number;
  /** Labelled rows kept for retraining, the most recent ones. */
  maxLabelled: number;
}

/** Why a vector or a row was let go; counted so a too-small buffer shows in the metrics. */
export type DropReason = 'pending_evicted' | 'label_unmatched' | 'labelled_evicted';

/**
 * This process's material for retraining. `scored` keeps, by transaction id, the exact vector
 * each transaction was scored with (recomputing later would see a different history);
 * `labelUsable` is called by the feature state when a label starts counting, i.e. never before
 * its delay, and moves the pair into the labelled set. Both parts are rings in flat typed arrays
 * (a vector per object costs about six times its 112 bytes), oldest overwritten first.
 */
export class TrainingSet {
  private readonly pendingVectors: Float32Array;
  private readonly pendingTimes: Float64Array;
  private readonly pendingIds: Array<string | undefined>;
  private readonly slotOf = new Map<string, number>();
  private pendingNext = 0;

  private readonly vectors: Float32Array;
  private readonly fraud: Uint8Array;
  private readonly times: Float64Array;
  private count = 0;
  private next = 0;
  private fraudCount = 0;
  readonly dropped: Record<DropReason, number> = { pending_evicted: 0, label_unmatched: 0, labelled_evicted: 0 };

  constructor(
    private readonly limits: TrainingSetLimits,
    private readonly onDrop: (reason: DropReason) => void = () => {},
  ) {
    this.pendingVectors = new Float32Array(limits.maxPending * FEATURE_COUNT);
    this.pendingTimes = new Float64Array(limits.maxPending);
    this.pendingIds = new Array<string | undefined>(limits.maxPending).fill(undefined);
    this.vectors = new Float32Array(limits.maxLabelled * FEATURE_COUNT);
    this.fraud = new Uint8Array(limits.maxLabelled);
    this.times = new Float64Array(limits.maxLabelled);
  }

  get pendingCount(): number {
    return this.slotOf.size;
  }

  get labelledCount(): number {
    return this.count;
  }

  get frauds(): number {
    return this.fraudCount;
  }

  /** The vector `tx` was scored with (copied: the caller may reuse it); kept until its label can be used. */
  scored(tx: Transaction, features: Float32Array): void {
    if (features.length !== FEATURE_COUNT) throw new Error(`expected ${FEATURE_COUNT} features, got ${features.length}`);
    if (this.limits.maxPending === 0) return;
    const old = this.slotOf.get(tx.id);
    if (old !== undefined) this.pendingIds[old] = undefined;
    const slot = this.pendingNext;
    const evicted = this.pendingIds[slot];
    if (evicted !== undefined) {
      this.slotOf.delete(evicted);
      this.drop('pending_evicted');
    }
    this.pendingVectors.set(features, slot * FEATURE_COUNT);
    this.pendingTimes[slot] = tx.time;
    this.pendingIds[slot] = tx.id;
    this.slotOf.set(tx.id, slot);
    this.pendingNext = (slot + 1) % this.limits.maxPending;
  }

  /** A label has reached its `availableAt`: its transaction's vector becomes a training row. */
  labelUsable(label: LabelEvent): void {
    const slot = this.slotOf.get(label.transactionId);
    if (slot === undefined) {
      // Scored by another process, before this one started, or evicted: no vector to learn from.
      this.drop('label_unmatched');
      return;
    }
    this.slotOf.delete(label.transactionId);
    this.pendingIds[slot] = undefined;
    this.add(this.pendingVectors.subarray(slot * FEATURE_COUNT, (slot + 1) * FEATURE_COUNT), label.fraud, this.pendingTimes[slot]!);
  }

  /** A packed copy of the labelled rows in transaction-time order, so training is not disturbed by new labels. */
  snapshot(): LabelledRows {
    const n = this.count;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.times[a]! - this.times[b]!);
    const out: LabelledRows = { n, rows: new Float32Array(n * FEATURE_COUNT), labels: new Uint8Array(n), times: new Float64Array(n) };
    order.forEach((i, k) => {
      out.rows.set(this.vectors.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT), k * FEATURE_COUNT);
      out.labels[k] = this.fraud[i]!;
      out.times[k] = this.times[i]!;
    });
    return out;
  }

  private add(features: Float32Array, fraud: boolean, time: number): void {
    const max = this.limits.maxLabelled;
    if (max === 0) return;
    const slot = this.next;
    if (this.count === max) {
      this.fraudCount -= this.fraud[slot]!;
      this.drop('labelled_evicted');
    } else {
      this.count++;
    }
    this.vectors.set(features, slot * FEATURE_COUNT);
    this.fraud[slot] = fraud ? 1 : 0;
    this.times[slot] = time;
    this.fraudCount += fraud ? 1 : 0;
    this.next = (slot + 1) % max;
  }

  private drop(reason: DropReason): void {
    this.dropped[reason]++;
    this.onDrop(reason);
  }
}
