import { inject } from 'vitest';
import { KafkaBus, type KafkaBusOptions } from '../../src/platform/kafka/kafka-bus.js';
import { LocalBroker } from '../../src/platform/kafka/local-broker.js';

export function brokers(): string {
  return inject('kafkaBrokers');
}

export function kafkaBus(options: KafkaBusOptions = {}, clientId = 'vigil-test'): KafkaBus {
  return new KafkaBus({ clientId, brokers: brokers().split(','), logLevel: 1 }, options);
}

/** The broker the tests started, for crash tests; undefined when KAFKA_BROKERS points elsewhere. */
export function ownBroker(): LocalBroker | undefined {
  const dir = inject('kafkaDir');
  return dir ? new LocalBroker({ dir, port: inject('kafkaPort') }) : undefined;
}

/** A topic name no other test uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
