import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from '../platform/metrics/registry.js';

/** The risk service's own metrics (the platform's consumer metrics come on top). README has the table. */
export const riskMetrics = {
  decisions: new Counter({
    name: 'vigil_risk_decisions_total',
    help: 'Transactions scored, by decision.',
    labelNames: ['decision'] as const,
    registers: [registry],
  }),
  rulesFired: new Counter({
    name: 'vigil_risk_rules_fired_total',
    help: 'Rules that fired (forced a decision), by rule id.',
    labelNames: ['rule'] as const,
    registers: [registry],
  }),
  score: new Histogram({
    name: 'vigil_risk_score',
    help: "The model's fraud probability per transaction.",
    buckets: [0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 0.9, 0.99],
    registers: [registry],
  }),
  processing: new Histogram({
    name: 'vigil_risk_processing_seconds',
    help: "Scorer time per transaction (features, model, rules): a batch's time divided by its size, observed once per transaction.",
    buckets: [0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05],
    registers: [registry],
  }),
  labels: new Counter({
    name: 'vigil_risk_labels_total',
    help: 'Labels received from risk.labels (each counts in the features only from its arrival time).',
    labelNames: ['fraud'] as const,
    registers: [registry],
  }),
  labelsIgnored: new Counter({
    name: 'vigil_risk_labels_ignored_total',
    help: 'Labels read from risk.labels and not counted: seen before (duplicate), or already in the feature state the process started from (in_snapshot).',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
  rejected: new Counter({
    name: 'vigil_risk_rejected_total',
    help: 'Valid transactions the service refused (sent to risk.transactions.dlq, reason rejected).',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
  duplicates: new Counter({
    name: 'vigil_risk_duplicate_transactions_total',
    help: 'Transactions seen again (redelivery or re-publication): their first score is re-emitted, features unchanged.',
    registers: [registry],
  }),
  entities: new Gauge({
    name: 'vigil_risk_state_entities',
    help: 'Entities held in the feature state.',
    labelNames: ['kind'] as const,
    registers: [registry],
  }),
  model: new Gauge({
    name: 'vigil_risk_model_info',
    help: 'The model in use (1); model_version "rules-only" when none is loaded.',
    labelNames: ['model_version'] as const,
    registers: [registry],
  }),
  retrains: new Counter({
    name: 'vigil_risk_retrains_total',
    help: 'Scheduled retraining runs, by outcome: promoted, kept (candidate worse on the holdout), skipped (too few rows or frauds), failed, abandoned (shutdown).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  retrainPrecision: new Gauge({
    name: 'vigil_risk_retrain_average_precision',
    help: 'Average precision on the last retraining holdout, of the model in use then (current) and of the candidate.',
    labelNames: ['model'] as const,
    registers: [registry],
  }),
  lastRetrain: new Gauge({
    name: 'vigil_risk_retrain_last_timestamp_seconds',
    help: 'Wall time the last retraining run ended (whatever its outcome).',
    registers: [registry],
  }),
  modelSince: new Gauge({
    name: 'vigil_risk_model_since_timestamp_seconds',
    help: 'Wall time the model in use was loaded or promoted: its age is time() minus this.',
    registers: [registry],
  }),
  trainingRows: new Gauge({
    name: 'vigil_risk_training_rows',
    help: 'Retraining material held: scored vectors awaiting their label (pending), labelled rows, and the frauds among them.',
    labelNames: ['kind'] as const,
    registers: [registry],
  }),
  trainingDropped: new Counter({
    name: 'vigil_risk_training_dropped_total',
    help: 'Retraining material let go: pending_evicted (buffer full), label_unmatched (no vector for the label), labelled_evicted (oldest row out).',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
};
