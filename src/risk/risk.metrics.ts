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
};
