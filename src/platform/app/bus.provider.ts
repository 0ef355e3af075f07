import { Logger, type FactoryProvider } from '@nestjs/common';
import { MemoryBus } from '../bus/memory-bus.js';
import type { Bus } from '../bus/types.js';
import type { VigilConfig } from '../config/options.js';
import { kafkaConfigFromEnv } from '../kafka/client-options.js';
import { createKafkaBus } from '../kafka/kafka-client.js';
import { topicSpecs, type Catalogue } from '../streams/catalogue.js';
import { BUS, CATALOGUE, VIGIL_CONFIG } from './tokens.js';

/** Kafka when KAFKA_BROKERS is set, otherwise the in-process bus; topics applied from the catalogue. */
export const busProvider: FactoryProvider<Bus> = {
  provide: BUS,
  inject: [VIGIL_CONFIG, CATALOGUE],
  useFactory: async (config: VigilConfig, catalogue: Catalogue): Promise<Bus> => {
    const logger = new Logger('Bus');
    const bus: Bus = config.kafkaBrokers
      ? createKafkaBus(kafkaConfigFromEnv(), { compression: config.compression, replicationFactor: config.replicationFactor }, config.kafkaClient)
      : new MemoryBus();
    await bus.connect();
    if (config.applyTopics || bus.kind === 'memory') {
      const changes = await bus.applyTopics(topicSpecs(catalogue, config.replicationFactor));
      if (changes.length > 0) logger.log(`topics: ${changes.length} changes (${changes.slice(0, 3).join('; ')}${changes.length > 3 ? '; ...' : ''})`);
    }
    logger.log(config.kafkaBrokers ? `Kafka at ${config.kafkaBrokers} (${config.kafkaClient})` : 'in-process bus (embedded default; set KAFKA_BROKERS to use Kafka)');
    return bus;
  },
};
