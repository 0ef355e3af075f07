import kafkajs, { type KafkaConfig, type SASLOptions } from 'kafkajs';

/**
 * Errors no retry can fix — wrong credentials, a certificate the client does not trust — turned
 * into one clear message naming the setting to check. kafkajs would otherwise retry them with
 * backoff for half a minute and then report only the last attempt.
 */
export function misconfiguration(err: unknown, config: KafkaConfig): Error | undefined {
  const e = err as Error & { name?: string; code?: string };
  const text = `${e.name ?? ''} ${e.message ?? ''} ${e.code ?? ''}`;
  const brokers = Array.isArray(config.brokers) ? config.brokers.join(',') : 'the brokers';
  if (e.name === 'KafkaJSSASLAuthenticationError' || /SASL .*authentication failed/i.test(text)) {
    const sasl = config.sasl as SASLOptions | undefined;
    const user = sasl && 'username' in sasl ? sasl.username : '?';
    return new Error(
      `Kafka authentication failed for user ${user} (${sasl?.mechanism ?? 'SASL'}) at ${brokers}: check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM (broker said: ${e.message})`,
    );
  }
  if (/certificate|self[- ]signed|SSL routines|UNABLE_TO_VERIFY|ERR_TLS_CERT/i.test(text)) {
    return new Error(`TLS to ${brokers} failed: ${e.message}; check KAFKA_SSL_CA_FILE (the CA that signed the brokers' certificates) and KAFKA_SSL_REJECT_UNAUTHORIZED`);
  }
  return undefined;
}

/**
 * One connection attempt without retries: throws the clear error above when the settings are
 * wrong, and stays quiet on anything else (a broker still starting is the normal retry's job).
 */
export async function probeSettings(config: KafkaConfig): Promise<void> {
  if (!config.sasl && !config.ssl) return;
  const admin = new kafkajs.Kafka({ ...config, logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
  } catch (err) {
    const clear = misconfiguration(err, config);
    if (clear) throw clear;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
