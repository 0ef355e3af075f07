import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { envChoice, envList, envNumber, envString } from '../config/env-values.js';

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/**
 * kafkajs client settings from the environment:
 *   KAFKA_BROKERS=host:9092,host2:9092   KAFKA_CLIENT_ID=vigil
 *   KAFKA_SSL=true  KAFKA_SSL_CA_FILE  KAFKA_SSL_CERT_FILE  KAFKA_SSL_KEY_FILE  KAFKA_SSL_REJECT_UNAUTHORIZED=false
 *   KAFKA_SASL_MECHANISM=plain|scram-sha-256|scram-sha-512  KAFKA_SASL_USERNAME  KAFKA_SASL_PASSWORD
 */
export function kafkaConfigFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaConfig {
  const brokers = envList(env, 'KAFKA_BROKERS') ?? [];
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set');
  const config: KafkaConfig = {
    clientId: envString(env, 'KAFKA_CLIENT_ID', 'vigil', { emptyIsValue: true }),
    brokers,
    connectionTimeout: envNumber(env, 'KAFKA_CONNECTION_TIMEOUT_MS', 3000),
    requestTimeout: envNumber(env, 'KAFKA_REQUEST_TIMEOUT_MS', 30000),
    retry: { retries: envNumber(env, 'KAFKA_RETRIES', 8), initialRetryTime: 300, maxRetryTime: 10_000 },
  };
  const caFile = envString(env, 'KAFKA_SSL_CA_FILE', '');
  const certFile = envString(env, 'KAFKA_SSL_CERT_FILE', '');
  const keyFile = envString(env, 'KAFKA_SSL_KEY_FILE', '');
  // As before: SSL is on only for exactly `true` (or a CA file), verification off only for exactly `false`.
  if (envString(env, 'KAFKA_SSL', '') === 'true' || caFile) {
    config.ssl = {
      rejectUnauthorized: envString(env, 'KAFKA_SSL_REJECT_UNAUTHORIZED', '') !== 'false',
      ...(caFile ? { ca: [readFileSync(caFile, 'utf8')] } : {}),
      ...(certFile ? { cert: readFileSync(certFile, 'utf8') } : {}),
      ...(keyFile ? { key: readFileSync(keyFile, 'utf8') } : {}),
    };
  }
  const mechanism = envChoice(env, 'KAFKA_SASL_MECHANISM', SASL_MECHANISMS, undefined, { anyCase: true });
  if (mechanism) {
    // Secrets as written: a password may well begin or end with a blank.
    const username = envString(env, 'KAFKA_SASL_USERNAME', '', { asWritten: true });
    const password = envString(env, 'KAFKA_SASL_PASSWORD', '', { asWritten: true });
    if (!username || !password) {
      throw new Error('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM');
    }
    config.sasl = { mechanism, username, password } as SASLOptions;
  }
  return config;
}

/**
 * VIGIL_TOPIC_PREFIX: a namespace put before every topic name on the cluster (for example
 * `staging.`), so several environments or test runs can share one cluster without reading
 * each other's records. The services and the catalogue keep using the plain names.
 */
export function topicPrefixFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const prefix = envString(env, 'VIGIL_TOPIC_PREFIX', '');
  // Kafka allows letters, digits, '.', '_' and '-' in topic names.
  if (!/^[A-Za-z0-9._-]*$/.test(prefix)) throw new Error(`VIGIL_TOPIC_PREFIX may hold only letters, digits, '.', '_' and '-', not "${prefix}"`);
  return prefix;
}

export const KAFKA_CLIENTS = ['kafkajs', 'platformatic'] as const;
export type KafkaClientName = (typeof KAFKA_CLIENTS)[number];

/** VIGIL_KAFKA_CLIENT: the Kafka client library behind the bus (see kafka-client.ts); kafkajs by default. */
export function kafkaClientFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaClientName {
  return envChoice(env, 'VIGIL_KAFKA_CLIENT', KAFKA_CLIENTS, 'kafkajs');
}
