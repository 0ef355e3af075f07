import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from '../platform/metrics/registry.js';
import type { RecoService } from './reco.service.js';

/** The recommender's own metrics (the platform counts records, batches and dead letters). */
export const recoMetrics = {
  requests: new Counter({
    name: 'vigil_reco_requests_total',
    help: 'GET /recommendations/:user requests, by HTTP status code.',
    labelNames: ['code'] as const,
    registers: [registry],
  }),
  requestDuration: new Histogram({
    name: 'vigil_reco_request_duration_seconds',
    help: 'Time to answer GET /recommendations/:user, in the handler (routing and I/O excluded).',
    labelNames: ['code'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  }),
  updateDelay: new Histogram({
    name: 'vigil_reco_update_delay_seconds',
    help: "Time from an interaction's append to the broker to the model having it (interactions appended after this process started).",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  }),
  interactions: new Counter({
    name: 'vigil_reco_interactions_total',
    help: 'Interactions learned, by path: fold_in (item model updated at once) or row (user row now, item model at the next refit).',
    labelNames: ['path'] as const,
    registers: [registry],
  }),
  replies: new Counter({
    name: 'vigil_reco_replies_total',
    help: 'Interactions with respond=true: published a reco.recommendations record, or skipped because the interaction is older than VIGIL_RECO_REPLY_MAX_AGE_MS (replayed history).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  remediations: new Counter({
    name: 'vigil_reco_remediation_outcomes_total',
    help: 'aiops.remediations records read, by whether they were an outcome the action ranking learned from.',
    labelNames: ['learned'] as const,
    registers: [registry],
  }),
};

let watched: RecoService | undefined;

/** Model size gauges read from the service at scrape time. */
export function watchModel(service: RecoService): void {
  watched = service;
}

for (const [name, help, read] of [
  ['vigil_reco_model_users', 'Users the recommender holds.', (s: RecoService) => s.recommender.stats().users],
  ['vigil_reco_model_items', 'Items the recommender holds.', (s: RecoService) => s.recommender.stats().items],
  ['vigil_reco_model_events', 'Interactions the recommender has learned.', (s: RecoService) => s.recommender.stats().events],
  ['vigil_reco_model_events_since_fit', 'Interactions not yet in a full refit of the item model.', (s: RecoService) => s.recommender.stats().eventsSinceFit],
] as const) {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      if (watched) this.set(read(watched));
    },
  });
}
