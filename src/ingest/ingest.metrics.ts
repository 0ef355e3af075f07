import { Counter, Histogram } from 'prom-client';
import { registry } from '../platform/metrics/registry.js';

/** The gateway's own metrics (README has the table); `signal` is metrics or logs. */
export const ingestMetrics = {
  accepted: new Counter({
    name: 'vigil_ingest_samples_accepted_total',
    help: 'Samples and log records acknowledged by the broker, by source and signal.',
    labelNames: ['source', 'signal'] as const,
    registers: [registry],
  }),
  rejected: new Counter({
    name: 'vigil_ingest_samples_rejected_total',
    help: 'Samples and log records not written, by source, signal and reason (invalid, rate_limited, unavailable, non_finite, counter_start, ...).',
    labelNames: ['source', 'signal', 'reason'] as const,
    registers: [registry],
  }),
  requests: new Counter({
    name: 'vigil_ingest_requests_total',
    help: 'HTTP requests to the ingest endpoints, by source and status code.',
    labelNames: ['source', 'code'] as const,
    registers: [registry],
  }),
  duration: new Histogram({
    name: 'vigil_ingest_request_duration_seconds',
    help: 'Time from receiving a request to answering it (including the broker acknowledgement).',
    labelNames: ['source', 'code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
  bytes: new Counter({
    name: 'vigil_ingest_received_bytes_total',
    help: 'Request body bytes received, as sent (before decompression), by source.',
    labelNames: ['source'] as const,
    registers: [registry],
  }),
};
