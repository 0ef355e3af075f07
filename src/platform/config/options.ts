import { kafkaClientFromEnv, type KafkaClientName } from '../kafka/client-options.js';
import type { Compression } from '../kafka/kafka-bus.js';
import { envBool, envChoice, envInt, envString } from './env-values.js';

const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'snappy'];

/** Everything Vigil reads from its environment, with its default; README has the reference. */
export interface VigilConfig {
  /** Comma-separated bootstrap servers; empty means the in-process bus (the embedded default). */
  kafkaBrokers: string;
  compression: Compression;
  /** The Kafka client library behind the bus (VIGIL_KAFKA_CLIENT). */
  kafkaClient: KafkaClientName;
  httpHost: string;
  httpPort: number;
  /** Feed the built-in demo stream into telemetry.metrics. */
  demo: boolean;
  /** Create or update the catalogue's topics at start. */
  applyTopics: boolean;
  replicationFactor: number;
  maxInFlight: number;
  maxRecordBytes: number;
  maxAttempts: number;
  /** Consumer group prefix: groups are `<prefix>-<service>`. */
  groupPrefix: string;
  /**
   * Embedded default only: where services' changelogs are kept as files, so per-entity state
   * survives a restart ('' keeps it in the in-process bus, lost at exit). On Kafka the changelog
   * topics hold it.
   */
  stateDir: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): VigilConfig {
  const kafkaBrokers = envString(env, 'KAFKA_BROKERS', '');
  return {
    kafkaBrokers,
    compression: envChoice(env, 'KAFKA_COMPRESSION', COMPRESSIONS, 'snappy'),
    kafkaClient: kafkaClientFromEnv(env),
    httpHost: envString(env, 'VIGIL_HTTP_HOST', '0.0.0.0', { emptyIsValue: true }),
    httpPort: envInt(env, 'VIGIL_HTTP_PORT', 8080),
    demo: envBool(env, 'VIGIL_DEMO', kafkaBrokers === ''),
    applyTopics: envBool(env, 'VIGIL_APPLY_TOPICS', true),
    replicationFactor: envInt(env, 'KAFKA_REPLICATION_FACTOR', 1),
    maxInFlight: envInt(env, 'VIGIL_MAX_IN_FLIGHT', 20_000),
    maxRecordBytes: envInt(env, 'VIGIL_MAX_RECORD_BYTES', 1024 * 1024),
    maxAttempts: envInt(env, 'VIGIL_MAX_ATTEMPTS', 3),
    groupPrefix: envString(env, 'VIGIL_GROUP_PREFIX', 'vigil', { emptyIsValue: true }),
    stateDir: envString(env, 'VIGIL_STATE_DIR', '.vigil/state', { emptyIsValue: true }),
  };
}
