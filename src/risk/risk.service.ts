import { derivedId } from '../platform/bus/message-id.js';
import type { Narrowed, WithFields } from '../platform/streams/record-shapes.js';
import type { RiskLabels } from '../platform/streams/records/risk.labels.js';
import type { RiskScores } from '../platform/streams/records/risk.scores.js';
import type { RiskTransactions } from '../platform/streams/records/risk.transactions.js';
import type { Emit, HandlerContext, InRecord } from '../platform/stage/types.js';
import type { RiskModel } from './model/risk-model.js';
import { RecentResults } from './recent-results.js';
import { RoundBatcher } from './round-batcher.js';
import type { RiskScore, RiskScorer } from './risk-scorer.js';
import { riskMetrics as m } from './risk.metrics.js';
import type { RiskServiceOptions } from './risk.options.js';
import type { Reason } from './rules/decide.js';
import type { Transaction } from './types.js';

/** A `risk.transactions` message (generated from streams/schemas/risk.transactions.schema.json). */
export type TransactionMessage = RiskTransactions;

/** A `risk.labels` message: a fraud verdict on an earlier transaction, published when known. */
export type LabelMessage = RiskLabels;

/**
 * A `risk.scores` message as the service writes it, every field set. Its timestamp is the
 * transaction's event time (a re-produced score is identical); `transaction_appended_at` is when
 * the transaction was appended to risk.transactions (its Kafka record timestamp).
 */
export type ScoreMessage = Narrowed<WithFields<RiskScores, 'model_version' | 'transaction_appended_at'>, { decision: RiskScore['decision'] }>;

export type RiskServiceConfig = Pick<RiskServiceOptions, 'currencies' | 'labelDelayMs' | 'topics'> & {
  dedupeCapacity?: number;
  /** Score the transaction batches handled side by side (one fetch round) in one model call (default true). */
  roundScoring?: boolean;
};

/**
 * The risk service's logic, no I/O: a batch of one partition of `risk.transactions` becomes one
 * score per transaction on `risk.scores`; a batch of `risk.labels` feeds the feature state (each
 * label counting only from its arrival time). The feature state is this process's, shared by
 * every partition it is given.
 */
export class RiskService {
  private readonly labelsSeen: RecentResults<true>;
  /**
   * What the feature state already held when the service started (a snapshot): labels that had
   * arrived by its event time, and the ids of those still pending. Labels are read from the start
   * of risk.labels, so these come again and must not count twice.
   */
  private readonly restored: { eventTime: number; pending: Set<string> };
  private version: string;
  /** Gathers the transaction batches of one fetch round into one scoring call. */
  private readonly round: RoundBatcher<Transaction, RiskScore>;

  constructor(
    readonly scorer: RiskScorer,
    private readonly config: RiskServiceConfig,
    modelVersion: string,
  ) {
    this.labelsSeen = new RecentResults(config.dedupeCapacity ?? 100_000);
    this.version = modelVersion;
    this.round = new RoundBatcher((txs) => this.scoreTimed(txs));
    this.restored = { eventTime: scorer.features.eventTime, pending: scorer.features.pendingLabelIds() };
  }

  /** The version every score carries: the model's until a retrained one is promoted. */
  get modelVersion(): string {
    return this.version;
  }

  /** Scores with `model` from the next batch on (a retrained model that did at least as well). */
  useModel(model: RiskModel, version: string): void {
    const previous = this.scorer.useModel(model);
    m.model.labels(this.version).set(0);
    m.model.labels(version).set(1);
    this.version = version;
    previous?.dispose();
  }

  /** The stage handler (an arrow, so it can be handed to StagesService as it is). */
  readonly handle = async (records: InRecord<TransactionMessage | LabelMessage>[], ctx: HandlerContext): Promise<Emit[]> => {
    const topic = records[0]?.topic;
    if (topic === this.config.topics.labels) {
      this.onLabels(records as InRecord<LabelMessage>[]);
      return [];
    }
    if (topic === this.config.topics.transactions) return this.onTransactions(records as InRecord<TransactionMessage>[], ctx);
    if (topic === undefined) return [];
    throw new Error(`risk service got records of ${topic}, which it does not consume`);
  };

  /** When a label may first count: when it was known, and never before the delay the model was trained with. */
  availableAt(label: LabelMessage): number {
    return Math.max(label.timestamp, label.transaction_timestamp + this.config.labelDelayMs);
  }

  private onLabels(records: InRecord<LabelMessage>[]): void {
    for (const { value: l } of records) {
      if (this.labelsSeen.get(l.transaction_id)) {
        m.labelsIgnored.labels('duplicate').inc(); // a redelivered label must not count twice
        continue;
      }
      this.labelsSeen.set(l.transaction_id, true);
      if (this.restored.pending.delete(l.transaction_id) || this.availableAt(l) <= this.restored.eventTime) {
        m.labelsIgnored.labels('in_snapshot').inc();
        continue;
      }
      this.scorer.addLabel({
        transactionId: l.transaction_id,
        customerId: l.customer_id,
        terminalId: l.terminal_id,
        fraud: l.fraud,
        ...(l.amount !== undefined && { amount: l.amount }),
        availableAt: this.availableAt(l),
      });
      m.labels.labels(String(l.fraud)).inc();
    }
    this.updateGauges();
  }

  /**
   * One scoring call (features, one model call, rules) over the transactions of one or more
   * batches, with its time per transaction as the processing metric.
   */
  private scoreTimed(txs: Transaction[]): RiskScore[] {
    const duplicates = txs.filter((tx) => this.scorer.seen(tx.id)).length;
    const started = performance.now();
    const scores = this.scorer.scoreBatch(txs);
    const perTx = (performance.now() - started) / 1000 / txs.length;
    if (duplicates) m.duplicates.inc(duplicates);
    for (let i = 0; i < txs.length; i++) m.processing.observe(perTx);
    return scores;
  }

  private async onTransactions(records: InRecord<TransactionMessage>[], ctx: HandlerContext): Promise<Emit[]> {
    const accepted: InRecord<TransactionMessage>[] = [];
    for (const r of records) {
      const problem = this.currencyProblem(r.value);
      if (problem) {
        ctx.reject(r, problem.error);
        m.rejected.labels(problem.reason).inc();
      } else {
        accepted.push(r);
      }
    }
    if (accepted.length === 0) return [];
    const txs: Transaction[] = accepted.map(({ value: v }) => ({
      id: v.transaction_id,
      time: v.timestamp,
      customerId: v.customer_id,
      terminalId: v.terminal_id,
      amount: v.amount,
    }));
    const scores = this.config.roundScoring === false ? this.scoreTimed(txs) : await this.round.add(txs);
    const emits = accepted.map((r, i): Emit => {
      const s = scores[i]!;
      if (!Number.isFinite(s.score)) throw new Error(`transaction ${s.transactionId}: the model returned ${s.score}`);
      m.score.observe(s.score);
      m.decisions.labels(s.decision).inc();
      for (const rule of s.rules) m.rulesFired.labels(rule).inc();
      const id = derivedId(r, 'score');
      const value: ScoreMessage = {
        id,
        transaction_id: r.value.transaction_id,
        customer_id: r.value.customer_id,
        timestamp: r.value.timestamp,
        probability: Math.round(s.score * 1e6) / 1e6,
        decision: s.decision,
        reasons: s.reasons.map(formatReason),
        model_version: this.version,
        transaction_appended_at: r.timestamp,
      };
      return { topic: this.config.topics.scores, key: r.value.customer_id, value, id, source: r };
    });
    this.updateGauges();
    return emits;
  }

  private currencyProblem(tx: TransactionMessage): { reason: string; error: string } | undefined {
    const accepted = this.config.currencies;
    if (!accepted) return undefined;
    const list = [...accepted].join(', ');
    if (tx.currency === undefined) return { reason: 'currency_missing', error: `currency missing; this service accepts ${list}` };
    if (!accepted.has(tx.currency)) return { reason: 'currency_unknown', error: `unknown currency ${tx.currency}; this service accepts ${list}` };
    return undefined;
  }

  private updateGauges(): void {
    const f = this.scorer.features;
    m.entities.labels('customer').set(f.customerCount);
    m.entities.labels('terminal').set(f.terminalCount);
    m.entities.labels('pending_label').set(f.pendingLabelCount);
  }
}

/** `rule:<id>` for a rule that fired; `feature:<name>=<value> (<contribution to the logit>)` for a feature. */
export function formatReason(r: Reason): string {
  if (r.kind === 'rule') return `rule:${r.rule}`;
  const c = r.contribution >= 0 ? `+${r.contribution}` : `${r.contribution}`;
  return `feature:${r.feature}=${r.value} (${c})`;
}
