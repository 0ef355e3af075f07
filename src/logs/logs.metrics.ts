import { Counter, Gauge } from 'prom-client';
import { registry } from '../platform/metrics/registry.js';

/** The logs service's Prometheus metrics (the platform's per-topic counters come on top). */
export const logsMetrics = {
  lines: new Counter({
    name: 'vigil_logs_lines_total',
    help: 'Log lines masked, mined and scored.',
    registers: [registry],
  }),
  templates: new Gauge({
    name: 'vigil_logs_templates',
    help: 'Templates the miner holds (bounded by LOGS_MAX_TEMPLATES; the least recently matched is evicted beyond it).',
    registers: [registry],
  }),
  templateVersion: new Gauge({
    name: 'vigil_logs_template_version',
    help: 'Version of the template set: goes up when a template is created, generalised or evicted.',
    registers: [registry],
  }),
  masked: new Counter({
    name: 'vigil_logs_masked_total',
    help: 'Values replaced by a placeholder before mining, by pattern name (ipv4, email, jwt, ...).',
    labelNames: ['kind'] as const,
    registers: [registry],
  }),
  anomalies: new Counter({
    name: 'vigil_logs_anomalies_total',
    help: 'Findings written to aiops.anomalies, by kind: log_sequence (next-template LSTM) or log_counts (template-count windows).',
    labelNames: ['kind'] as const,
    registers: [registry],
  }),
  sequences: new Gauge({
    name: 'vigil_logs_open_sequences',
    help: 'Sessions and entity streams the sequence scorer holds state for.',
    registers: [registry],
  }),
  trainings: new Counter({
    name: 'vigil_logs_lstm_trainings_total',
    help: 'Next-template LSTMs trained: the first after cold start, then each retrain.',
    registers: [registry],
  }),
  modelSaves: new Counter({
    name: 'vigil_logs_lstm_saves_total',
    help: 'Next-template LSTMs written to LOGS_TEMPLATE_DIR after a training, by outcome (ok, error).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  templateSaves: new Counter({
    name: 'vigil_logs_template_saves_total',
    help: 'Template sets written to LOGS_TEMPLATE_DIR, by outcome (ok, error).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
};
