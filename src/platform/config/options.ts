import type { Compression } from '../kafka/kafka-bus.js';

/** Everything Vigil reads from its environment, with its default; README has the reference. */
export interface VigilConfig {
  /** Comma-separated bootstrap servers; empty means the in-process bus (the embedded default). */
  kafkaBrokers: string;
  compression: Compression;
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
  const kafkaBrokers = env.KAFKA_BROKERS?.trim() ?? '';
  const compression = (env.KAFKA_COMPRESSION ?? 'snappy') as Compression;
  if (!['none', 'gzip', 'snappy'].includes(compression)) throw new Error(`KAFKA_COMPRESSION must be none, gzip or snappy, not ${compression}`);
  return {
    kafkaBrokers,
    compression,
    httpHost: env.VIGIL_HTTP_HOST ?? '0.0.0.0',
    httpPort: int(env, 'VIGIL_HTTP_PORT', 8080),
    demo: bool(env, 'VIGIL_DEMO', kafkaBrokers === ''),
    applyTopics: bool(env, 'VIGIL_APPLY_TOPICS', true),
    replicationFactor: int(env, 'KAFKA_REPLICATION_FACTOR', 1),
    maxInFlight: int(env, 'VIGIL_MAX_IN_FLIGHT', 20_000),
    maxRecordBytes: int(env, 'VIGIL_MAX_RECORD_BYTES', 1024 * 1024),
    maxAttempts: int(env, 'VIGIL_MAX_ATTEMPTS', 3),
    groupPrefix: env.VIGIL_GROUP_PREFIX ?? 'vigil',
    stateDir: env.VIGIL_STATE_DIR ?? '.vigil/state',
  };
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, not "${raw}"`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error(`${name} must be true or false, not "${raw}"`);
}
