import { envBool, envList, envNumber, envString } from '../platform/config/env-values.js';

/** The ingest gateway's configuration, read from the environment (README: "Configuration"). */
export interface IngestOptions {
  /** Labels / resource attributes naming the entity, first present wins. */
  entityLabels: string[];
  /** Entity for a sample none of entityLabels names; undefined: such a sample is a 400. */
  defaultEntity: string | undefined;
  /** OTLP resource attributes copied into every sample's labels (point attributes always are). */
  resourceLabels: string[];
  /** Turn cumulative counters into per-second rates here (kind "rate") instead of downstream. */
  counterRates: boolean;
  /** Largest request body, compressed or not (HTTP 413 above). */
  maxBodyBytes: number;
  /** Largest remote_write body once snappy-decompressed. */
  maxDecodedBytes: number;
  /** Bearer token → tenant; empty: no authentication, tenant from X-Scope-OrgID or "default". */
  tokens: Map<string, string>;
  /** Samples (or log records) per second per tenant; 0: no limit. */
  rateLimit: number;
  /** What a tenant may send at once above its rate. */
  rateBurst: number;
  /** How long a request waits for the broker's acknowledgement before it is answered 503. */
  sendTimeoutMs: number;
  /** Consume what producers write straight to Kafka (the Collector's kafka exporter). */
  kafkaInput: boolean;
  /** The topics they write to (the kafka exporter's defaults). */
  kafkaTopics: { metrics: string; logs: string };
  topics: { metrics: string; logs: string };
}

export const INGEST_TOPICS = { metrics: 'telemetry.metrics', logs: 'telemetry.logs' } as const;

export function loadIngestOptions(env: NodeJS.ProcessEnv = process.env): IngestOptions {
  const entityLabels = envList(env, 'INGEST_ENTITY_LABELS') ?? ['instance', 'service.name', 'host.name'];
  if (entityLabels.length === 0) throw new Error('INGEST_ENTITY_LABELS must name at least one label');
  const rateLimit = envNumber(env, 'INGEST_RATE_LIMIT', 0);
  const maxBodyBytes = envNumber(env, 'INGEST_MAX_BODY_BYTES', 10 * 1024 * 1024);
  return {
    entityLabels,
    defaultEntity: envString(env, 'INGEST_DEFAULT_ENTITY', '') || undefined,
    resourceLabels: envList(env, 'INGEST_RESOURCE_LABELS') ?? ['service.name', 'service.namespace', 'service.instance.id', 'host.name', 'deployment.environment'],
    counterRates: envBool(env, 'INGEST_COUNTER_RATES', false),
    maxBodyBytes,
    maxDecodedBytes: envNumber(env, 'INGEST_MAX_DECODED_BYTES', 8 * maxBodyBytes),
    tokens: tokens(envList(env, 'INGEST_TOKENS')),
    rateLimit,
    rateBurst: envNumber(env, 'INGEST_RATE_BURST', rateLimit),
    sendTimeoutMs: envNumber(env, 'INGEST_SEND_TIMEOUT_MS', 10_000),
    kafkaInput: envBool(env, 'INGEST_KAFKA_INPUT', true),
    kafkaTopics: {
      metrics: envString(env, 'INGEST_KAFKA_METRICS_TOPIC', 'otlp_metrics'),
      logs: envString(env, 'INGEST_KAFKA_LOGS_TOPIC', 'otlp_logs'),
    },
    topics: { ...INGEST_TOPICS },
  };
}

/** `tenant-a=secret1,tenant-b=secret2`; a token with no `tenant=` belongs to "default". */
function tokens(entries: string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of entries ?? []) {
    const eq = entry.indexOf('=');
    const tenant = eq > 0 ? entry.slice(0, eq) : 'default';
    const token = eq > 0 ? entry.slice(eq + 1) : entry;
    if (!token) throw new Error(`INGEST_TOKENS: entry "${entry}" has an empty token`);
    out.set(token, tenant);
  }
  return out;
}
