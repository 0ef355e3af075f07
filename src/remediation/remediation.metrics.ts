import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from '../platform/metrics/registry.js';

/** The remediation service's metrics (README has the table); names the dashboards rely on. */
export const remediationMetrics = {
  actions: new Counter({
    name: 'vigil_remediation_actions_total',
    help: 'Remediation decisions and outcomes (one per aiops.remediations event), by outcome.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  approvalsPending: new Gauge({
    name: 'vigil_remediation_approvals_pending',
    help: 'Actions waiting for approval.',
    registers: [registry],
  }),
  actionsInFlight: new Gauge({
    name: 'vigil_remediation_actions_in_flight',
    help: 'Actions executing now (bounded by the max-concurrent guardrail).',
    registers: [registry],
  }),
  webhookDuration: new Histogram({
    name: 'vigil_webhook_request_duration_seconds',
    help: 'Webhook request time per attempt, by result (2xx, 4xx, 5xx, timeout, error).',
    labelNames: ['result'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
  circuitOpen: new Gauge({
    name: 'vigil_webhook_circuit_open',
    help: '1 while the circuit breaker of a webhook endpoint (origin) is open.',
    labelNames: ['endpoint'] as const,
    registers: [registry],
  }),
};
