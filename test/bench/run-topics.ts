import kafkajs from 'kafkajs';
import { KafkaBus } from '../../src/platform/kafka/kafka-bus.js';
import { loadCatalogue, topicSpecs } from '../../src/platform/streams/catalogue.js';

/**
 * A bench pass's own topics: the catalogue under a prefix of its own (what the Vigil process
 * gets as VIGIL_TOPIC_PREFIX), so a pass never reads what an earlier pass or section wrote (a new
 * consumer group starts from the beginning), deleted again by `drop`.
 */
export interface RunTopics {
  readonly prefix: string;
  /** A bus on the run's topics (plain names in, prefixed names on the cluster), connected. */
  readonly bus: KafkaBus;
  readonly admin: kafkajs.Admin;
  /** Deletes every topic of the run and disconnects the bus and admin. */
  drop(): Promise<void>;
}

export async function runTopics(brokers: string, run: string, clientId: string): Promise<RunTopics> {
  const prefix = `${run}.`;
  const bus = new KafkaBus({ clientId, brokers: brokers.split(','), logLevel: 1 }, { topicPrefix: prefix });
  await bus.connect();
  await bus.applyTopics(topicSpecs(loadCatalogue(), 1));
  const admin = new kafkajs.Kafka({ clientId: `${clientId}-admin`, brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  // New partitions are not served at once (a loaded broker took over 6 s, longer than the
  // producer's retries): wait until every partition's leader answers a ListOffsets.
  for (let t = Date.now(); ; await new Promise((r) => setTimeout(r, 500))) {
    const served = await Promise.all([`${prefix}telemetry.metrics`, `${prefix}aiops.anomalies`].map((name) => admin.fetchTopicOffsets(name))).then(
      () => true,
      () => false,
    );
    if (served) break;
    if (Date.now() - t > 120_000) throw new Error("the run's new topics were not served within 120 s");
  }
  return {
    prefix,
    bus,
    admin,
    drop: async () => {
      const mine = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(prefix));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch((err: Error) => console.error(`  could not delete the run's topics: ${err.message}`));
      await admin.disconnect();
      await bus.disconnect();
    },
  };
}
