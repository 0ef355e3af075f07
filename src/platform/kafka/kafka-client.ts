import type { KafkaConfig } from 'kafkajs';
import type { Bus } from '../bus/types.js';
import { kafkaClientFromEnv, type KafkaClientName } from './client-options.js';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
import { PlatformaticBus } from './platformatic/platformatic-bus.js';

/**
 * The bus on a Kafka cluster through the client VIGIL_KAFKA_CLIENT names: kafkajs (the default)
 * or @platformatic/kafka. Both take the same settings and keep the same semantics.
 */
export function createKafkaBus(config: KafkaConfig, options: KafkaBusOptions = {}, client: KafkaClientName = kafkaClientFromEnv()): Bus {
  return client === 'platformatic' ? new PlatformaticBus(config, options) : new KafkaBus(config, options);
}
