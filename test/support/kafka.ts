import kafkajs from 'kafkajs';
import { inject } from 'vitest';
import { topicPrefixFromEnv } from '../../src/platform/kafka/client-options.js';
import type { KafkaBusOptions } from '../../src/platform/kafka/kafka-bus.js';
import type { Bus } from '../../src/platform/bus/types.js';
import { createKafkaBus } from '../../src/platform/kafka/kafka-client.js';
import { LocalBroker } from '../../src/platform/kafka/local-broker.js';

export function brokers(): string {
  return inject('kafkaBrokers');
}

export function kafkaBus(options: KafkaBusOptions = {}, clientId = 'vigil-test'): Bus {
  return createKafkaBus({ clientId, brokers: brokers().split(','), logLevel: 1 }, options);
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

/** A raw kafkajs admin client on the test broker for `use` (it sees the cluster's topic names), disconnected after. */
export async function withAdmin<T>(use: (admin: kafkajs.Admin) => Promise<T>): Promise<T> {
  const admin = new kafkajs.Kafka({ clientId: 'vigil-test-admin', brokers: brokers().split(','), logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

/** A group's committed offsets on a Vigil topic (next offset to read), by partition; partitions without a commit are left out. */
export async function committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
  const [offsets] = await withAdmin((admin) => admin.fetchOffsets({ groupId, topics: [`${topicPrefixFromEnv()}${topic}`] }));
  return new Map(offsets!.partitions.filter((p) => Number(p.offset) >= 0).map((p) => [p.partition, BigInt(p.offset)]));
}

/** Records of a Vigil topic a group has not committed yet: 0 once it has processed all that was appended. */
export async function groupLag(groupId: string, topic: string): Promise<bigint> {
  const onCluster = `${topicPrefixFromEnv()}${topic}`;
  const [offsets, ends] = await withAdmin((admin) => Promise.all([admin.fetchOffsets({ groupId, topics: [onCluster] }), admin.fetchTopicOffsets(onCluster)]));
  let lag = 0n;
  for (const e of ends) {
    const c = offsets[0]?.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1';
    lag += BigInt(e.offset) - (c === '-1' ? 0n : BigInt(c));
  }
  return lag;
}
