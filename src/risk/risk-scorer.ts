import { FEATURE_COUNT } from './features/feature-names.js';
import { RiskFeatureState } from './features/feature-state.js';
import type { RiskModel } from './model/risk-model.js';
import { RecentResults } from './recent-results.js';
import { decide, type RiskDecision } from './rules/decide.js';
import type { RiskRules } from './rules/rule-types.js';
import type { LabelEvent, Transaction } from './types.js';

export interface RiskScore extends RiskDecision {
  transactionId: string;
}

export interface RiskScorerOptions {
  /**
   * 'always' explains every score; 'flagged' explains only review/decline decisions, which saves
   * the gradient pass on the large majority of approvals.
   */
  reasons: 'always' | 'flagged';
  /** How many recent results to remember for dropping redelivered transactions. */
  dedupeCapacity?: number;
}

const DEFAULT_DEDUPE_CAPACITY = 100_000;

/**
 * The per-transaction path the streaming service runs: online features, model score, rules.
 * Transactions must be handed in event-time order per entity (Kafka partition order does that).
 */
export class RiskScorer {
  private readonly recent: RecentResults<RiskScore>;
  private current: RiskModel | undefined;
  /** Told of each new transaction with the exact feature vector it was scored with (retraining copies it; valid during the call only). */
  onScored: ((tx: Transaction, features: Float32Array) => void) | undefined;

  /** `model` undefined: rules only — probability 0, decisions from the rules, no feature reasons. */
  constructor(
    model: RiskModel | undefined,
    readonly rules: RiskRules,
    readonly features: RiskFeatureState = new RiskFeatureState(),
    private readonly options: RiskScorerOptions = { reasons: 'always' },
  ) {
    this.current = model;
    this.recent = new RecentResults(options.dedupeCapacity ?? DEFAULT_DEDUPE_CAPACITY);
  }

  get model(): RiskModel | undefined {
    return this.current;
  }

  /**
   * Scores from now on with `model`; returns the one it replaces. Scoring is synchronous, so no
   * batch is half scored by each.
   */
  useModel(model: RiskModel): RiskModel | undefined {
    const previous = this.current;
    this.current = model;
    return previous;
  }

  /** True when this transaction id was scored recently (a redelivery gets its first result back). */
  seen(transactionId: string): boolean {
    return this.recent.get(transactionId) !== undefined;
  }

  addLabel(label: LabelEvent): void {
    this.features.addLabel(label);
  }

  score(tx: Transaction): RiskScore {
    return this.scoreBatch([tx])[0]!;
  }

  /**
   * Features are computed one after another (each sees the ones before), then one model call.
   * A transaction id scored before (a redelivery) gets its earlier result and changes no state.
   */
  scoreBatch(batch: readonly Transaction[]): RiskScore[] {
    const known = batch.map((tx) => this.recent.get(tx.id));
    const seen = new Set<string>();
    const txs = batch.filter((tx, i) => !known[i] && !seen.has(tx.id) && seen.add(tx.id));
    const fresh = this.scoreNew(txs);
    fresh.forEach((r) => this.recent.set(r.transactionId, r));
    const byId = new Map(fresh.map((r) => [r.transactionId, r]));
    return batch.map((tx, i) => known[i] ?? byId.get(tx.id)!);
  }

  private scoreNew(txs: readonly Transaction[]): RiskScore[] {
    const n = txs.length;
    if (n === 0) return [];
    const rows = new Float32Array(n * FEATURE_COUNT);
    txs.forEach((tx, i) => this.features.observe(tx, rows.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT)));
    const onScored = this.onScored;
    if (onScored) txs.forEach((tx, i) => onScored(tx, rows.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT)));
    const model = this.current;
    if (!model) return txs.map((tx, i) => this.result(tx, rows, i, 0));
    if (this.options.reasons === 'always') {
      const { scores, contributions } = model.explain(rows, n);
      return txs.map((tx, i) => this.result(tx, rows, i, scores[i]!, contributions.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT)));
    }
    const scores = model.score(rows, n);
    const results = txs.map((tx, i) => this.result(tx, rows, i, scores[i]!));
    const flagged = results.flatMap((r, i) => (r.decision === 'approve' ? [] : [i]));
    if (flagged.length) {
      const subset = new Float32Array(flagged.length * FEATURE_COUNT);
      flagged.forEach((i, k) => subset.set(rows.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT), k * FEATURE_COUNT));
      const { contributions } = model.explain(subset, flagged.length);
      flagged.forEach((i, k) => {
        results[i] = this.result(txs[i]!, rows, i, scores[i]!, contributions.subarray(k * FEATURE_COUNT, (k + 1) * FEATURE_COUNT));
      });
    }
    return results;
  }

  private result(tx: Transaction, rows: Float32Array, i: number, score: number, contributions?: Float32Array): RiskScore {
    const features = rows.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT);
    return { transactionId: tx.id, ...decide(tx, features, score, this.rules, contributions) };
  }
}
