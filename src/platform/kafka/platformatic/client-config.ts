import type { BaseOptions, SASLOptions } from '@platformatic/kafka';
import type { KafkaConfig, SASLOptions as KafkajsSasl } from 'kafkajs';

/**
 * The one client configuration Vigil reads from the environment (kafkajs-shaped, see
 * client-options.ts) as @platformatic/kafka's options: brokers, client id, timeouts, retries,
 * TLS and SASL mean the same on both clients.
 */
export function platformaticOptions(config: KafkaConfig): BaseOptions {
  const brokers = Array.isArray(config.brokers) ? config.brokers : [];
  if (brokers.length === 0) throw new Error('the platformatic Kafka client needs a broker list, not a broker function');
  const retry = config.retry ?? {};
  const options: BaseOptions = {
    clientId: config.clientId ?? 'vigil',
    bootstrapBrokers: brokers,
    connectTimeout: config.connectionTimeout ?? 3000,
    requestTimeout: config.requestTimeout ?? 30_000,
    retries: retry.retries ?? 8,
    // kafkajs backs off from initialRetryTime doubling to maxRetryTime: the same curve here.
    retryDelay: (_client, _operation, attempt) => Math.min(retry.maxRetryTime ?? 10_000, (retry.initialRetryTime ?? 300) * 2 ** Math.max(0, attempt - 1)),
    autocreateTopics: false,
  };
  if (config.ssl) options.tls = config.ssl === true ? {} : config.ssl;
  if (config.sasl) options.sasl = sasl(config.sasl as KafkajsSasl);
  return options;
}

function sasl(config: KafkajsSasl): SASLOptions {
  if (!('username' in config)) throw new Error(`SASL ${config.mechanism} is not supported with VIGIL_KAFKA_CLIENT=platformatic`);
  const mechanism = ({ plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const)[config.mechanism as 'plain'];
  if (!mechanism) throw new Error(`SASL ${config.mechanism} is not supported with VIGIL_KAFKA_CLIENT=platformatic`);
  return { mechanism, username: config.username, password: config.password };
}
