import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';

/**
 * kafkajs client settings from the environment:
 *   KAFKA_BROKERS=host:9092,host2:9092   KAFKA_CLIENT_ID=vigil
 *   KAFKA_SSL=true  KAFKA_SSL_CA_FILE  KAFKA_SSL_CERT_FILE  KAFKA_SSL_KEY_FILE  KAFKA_SSL_REJECT_UNAUTHORIZED=false
 *   KAFKA_SASL_MECHANISM=plain|scram-sha-256|scram-sha-512  KAFKA_SASL_USERNAME  KAFKA_SASL_PASSWORD
 */
export function kafkaConfigFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaConfig {
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set');
  const config: KafkaConfig = {
    clientId: env.KAFKA_CLIENT_ID ?? 'vigil',
    brokers,
    connectionTimeout: Number(env.KAFKA_CONNECTION_TIMEOUT_MS ?? 3000),
    requestTimeout: Number(env.KAFKA_REQUEST_TIMEOUT_MS ?? 30000),
    retry: { retries: Number(env.KAFKA_RETRIES ?? 8), initialRetryTime: 300, maxRetryTime: 10_000 },
  };
  if (env.KAFKA_SSL === 'true' || env.KAFKA_SSL_CA_FILE) {
    config.ssl = {
      rejectUnauthorized: env.KAFKA_SSL_REJECT_UNAUTHORIZED !== 'false',
      ...(env.KAFKA_SSL_CA_FILE ? { ca: [readFileSync(env.KAFKA_SSL_CA_FILE, 'utf8')] } : {}),
      ...(env.KAFKA_SSL_CERT_FILE ? { cert: readFileSync(env.KAFKA_SSL_CERT_FILE, 'utf8') } : {}),
      ...(env.KAFKA_SSL_KEY_FILE ? { key: readFileSync(env.KAFKA_SSL_KEY_FILE, 'utf8') } : {}),
    };
  }
  if (env.KAFKA_SASL_MECHANISM) {
    const mechanism = env.KAFKA_SASL_MECHANISM.toLowerCase();
    if (!['plain', 'scram-sha-256', 'scram-sha-512'].includes(mechanism)) {
      throw new Error(`KAFKA_SASL_MECHANISM must be plain, scram-sha-256 or scram-sha-512, not ${env.KAFKA_SASL_MECHANISM}`);
    }
    if (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD) {
      throw new Error('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM');
    }
    config.sasl = { mechanism, username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD } as SASLOptions;
  }
  return config;
}

/**
 * VIGIL_TOPIC_PREFIX: a namespace put before every topic name on the cluster (for example
 * `staging.`), so several environments or test runs can share one cluster without reading
 * each other's records. The services and the catalogue keep using the plain names.
 */
export function topicPrefixFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const prefix = env.VIGIL_TOPIC_PREFIX ?? '';
  // Kafka allows letters, digits, '.', '_' and '-' in topic names.
  if (!/^[A-Za-z0-9._-]*$/.test(prefix)) throw new Error(`VIGIL_TOPIC_PREFIX may hold only letters, digits, '.', '_' and '-', not "${prefix}"`);
  return prefix;
}
