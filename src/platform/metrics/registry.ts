import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per process: with several services in one process, the `service` label keeps
 * their series apart. Names follow Prometheus conventions (base units, `_total`, `_seconds`);
 * consumer lag is named like kafka_exporter's so existing dashboards and alerts apply.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const platformMetrics = {
  consumed: new Counter({
    name: 'vigil_records_consumed_total',
    help: 'Records read from a topic by a service, valid or not.',
    labelNames: ['service', 'topic'] as const,
    registers: [registry],
  }),
  processed: new Counter({
    name: 'vigil_records_processed_total',
    help: 'Records handled successfully and committed.',
    labelNames: ['service', 'topic'] as const,
    registers: [registry],
  }),
  produced: new Counter({
    name: 'vigil_records_produced_total',
    help: 'Records appended to a topic and acknowledged by the broker.',
    labelNames: ['service', 'topic'] as const,
    registers: [registry],
  }),
  deadLettered: new Counter({
    name: 'vigil_records_dead_lettered_total',
    help: 'Records sent to a dead-letter topic, by reason.',
    labelNames: ['service', 'topic', 'reason'] as const,
    registers: [registry],
  }),
  skipped: new Counter({
    name: 'vigil_records_skipped_total',
    help: 'Invalid records a service passed over without a dead letter: another service owns the topic\'s dead letters (deadLetteredBy in streams/topics.yaml).',
    labelNames: ['service', 'topic', 'reason'] as const,
    registers: [registry],
  }),
  consumerRestarts: new Counter({
    name: 'vigil_consumer_restarts_total',
    help: 'Times a stage consumer stopped on an error its client does not retry (it is started again after a pause).',
    labelNames: ['service'] as const,
    registers: [registry],
  }),
  handlerRetries: new Counter({
    name: 'vigil_handler_retries_total',
    help: 'Batch handler attempts that failed and were retried.',
    labelNames: ['service', 'topic'] as const,
    registers: [registry],
  }),
  batchDuration: new Histogram({
    name: 'vigil_batch_processing_duration_seconds',
    help: 'Time from receiving a batch to committing it.',
    labelNames: ['service', 'topic'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
  batchSize: new Histogram({
    name: 'vigil_batch_records',
    help: 'Records per fetched batch (handed to the service in calls of at most 512).',
    labelNames: ['service', 'topic'] as const,
    buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000],
    registers: [registry],
  }),
  inFlight: new Gauge({
    name: 'vigil_records_in_flight',
    help: 'Records received and not yet committed.',
    labelNames: ['service'] as const,
    registers: [registry],
  }),
  paused: new Gauge({
    name: 'vigil_consumer_paused',
    help: '1 while a consumer has paused fetching because its in-flight bound was reached.',
    labelNames: ['service'] as const,
    registers: [registry],
  }),
  lag: new Gauge({
    name: 'kafka_consumergroup_lag',
    help: 'Records between the partition end and the group position (as kafka_exporter names it).',
    labelNames: ['consumergroup', 'topic', 'partition'] as const,
    registers: [registry],
  }),
  up: new Gauge({
    name: 'vigil_service_up',
    help: '1 for each service running in this process.',
    labelNames: ['service', 'bus'] as const,
    registers: [registry],
  }),
};
