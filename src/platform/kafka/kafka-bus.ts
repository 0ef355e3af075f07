import kafkajs, { type Admin, type Consumer, type KafkaConfig, type Producer } from 'kafkajs';
import type {
  BatchHandler,
  Bus,
  BusRecord,
  OutRecord,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from '../bus/types.js';
import { groupByTopic } from '../bus/group-by-topic.js';
import { kafkaClientLogging } from './client-log.js';
import { topicPrefixFromEnv } from './client-options.js';
import { Appends } from './appends.js';
import { kafkaRecords } from './kafka-record.js';
import { KafkaSubscription } from './kafka-subscription.js';
import { misconfiguration, probeSettings } from './connect-errors.js';
import { readPartitions } from './partition-reader.js';
import { topicOffsets } from './topic-offsets.js';
import { TopicNames } from './topic-names.js';
import { applyTopicPlan } from './topic-plan.js';
import { snappyCodec } from './snappy-codec.js';

// kafkajs is CommonJS: take its values from the default export, which Node always provides.
const { CompressionCodecs, CompressionTypes, Kafka, Partitioners } = kafkajs;

CompressionCodecs[CompressionTypes.Snappy] = snappyCodec;

export type Compression = 'none' | 'gzip' | 'snappy';

export interface KafkaBusOptions {
  compression?: Compression;
  /** Fetch size per partition: larger means bigger batches (default 1 MiB). */
  maxBytesPerPartition?: number;
  sessionTimeoutMs?: number;
  replicationFactor?: number;
  /** Put before every topic name on the cluster; default VIGIL_TOPIC_PREFIX, else none. */
  topicPrefix?: string;
}

const COMPRESSION: Record<Compression, kafkajs.CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
};

/** The bus on a real Kafka cluster through kafkajs: idempotent acks=all producer, manual commits. */
export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: kafkajs.Kafka;
  private readonly producer: Producer;
  private admin: Admin | undefined;
  private readonly consumers = new Set<Consumer>();
  private readonly subscriptions = new Set<KafkaSubscription>();
  private connected = false;
  private readonly names: TopicNames;
  private readonly appends = new Appends((records) => this.sendChunk(records));

  constructor(
    private readonly config: KafkaConfig,
    private readonly options: KafkaBusOptions = {},
  ) {
    this.names = new TopicNames(options.topicPrefix ?? topicPrefixFromEnv());
    this.kafka = new Kafka({ ...kafkaClientLogging(), ...config });
    // Idempotence makes the broker drop a retried batch it already has; it needs acks=all
    // and at most 5 requests in flight per connection, which keeps order per partition.
    // The partitioner named is kafkajs' default (Java's murmur2, as the in-process bus hashes):
    // naming it keeps kafkajs from warning at every start that its default changed in v2.
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await probeSettings(this.config);
    try {
      await this.producer.connect();
    } catch (err) {
      throw misconfiguration(err, this.config) ?? err;
    }
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    // A subscription waiting to restart its consumer must not bring it back after this.
    for (const s of this.subscriptions) s.halt();
    this.subscriptions.clear();
    for (const c of [...this.consumers]) await c.disconnect();
    this.consumers.clear();
    await this.admin?.disconnect();
    this.admin = undefined;
    if (this.connected) await this.producer.disconnect();
    this.connected = false;
  }

  send(records: OutRecord[], options: { shared?: boolean } = {}): Promise<void> {
    return this.appends.send(records, options);
  }

  private async sendChunk(records: OutRecord[]): Promise<void> {
    await this.producer.sendBatch({
      acks: -1,
      compression: COMPRESSION[this.options.compression ?? 'snappy'],
      topicMessages: [...groupByTopic(records)].map(([topic, list]) => ({
        topic: this.names.onCluster(topic),
        messages: list.map((r) => ({ key: r.key, value: r.value, headers: r.headers, partition: r.partition })),
      })),
    });
  }

  async subscribe(options: SubscribeOptions, handler: BatchHandler): Promise<Subscription> {
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3000,
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 1024 * 1024,
      maxBytes: 16 * 1024 * 1024,
      allowAutoTopicCreation: false,
    });
    this.consumers.add(consumer);
    const subscription: KafkaSubscription = new KafkaSubscription(consumer, options, handler, this.names, async () => {
      this.consumers.delete(consumer);
      this.subscriptions.delete(subscription);
      if (options.deleteGroupOnStop) {
        const admin = await this.adminClient();
        await admin.deleteGroups([options.groupId]).catch((e: Error) => console.error(`consumer group ${options.groupId} not deleted: ${e.message}`));
      }
    });
    this.subscriptions.add(subscription);
    await subscription.start();
    return subscription;
  }

  async scan(topic: string, partitions: number[], each: (records: BusRecord[]) => void): Promise<void> {
    const admin = await this.adminClient();
    await readPartitions(this.kafka, admin, this.names.onCluster(topic), partitions, (batch, upTo) => {
      const records = kafkaRecords(topic, batch.partition, batch.messages.filter((m) => BigInt(m.offset) < upTo));
      if (records.length > 0) each(records);
    }, { clientId: this.config.clientId ?? 'vigil' });
  }

  async applyTopics(specs: Array<TopicSpec & { replicationFactor?: number }>): Promise<string[]> {
    const topics = specs.map((t) => ({ ...t, name: this.names.onCluster(t.name), replicationFactor: t.replicationFactor ?? this.options.replicationFactor ?? 1 }));
    const admin = await this.adminClient();
    return applyTopicPlan(
      {
        listTopics: () => admin.listTopics(),
        createTopics: async (missing) => {
          await admin.createTopics({
            // kafkajs's own wait asks for metadata once and fails when the broker does not know the
            // new topic yet (UNKNOWN_TOPIC_OR_PARTITION, common right after creation on KRaft).
            waitForLeaders: false,
            topics: missing.map((t) => ({
              topic: t.name,
              numPartitions: t.partitions,
              replicationFactor: t.replicationFactor,
              configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
            })),
          });
          await this.waitForLeaders(admin, missing.map((t) => t.name));
        },
        partitionCounts: async (names) => {
          const meta = await admin.fetchTopicMetadata({ topics: names });
          return new Map(meta.topics.map((m) => [m.name, m.partitions.length]));
        },
        growPartitions: (grow) => admin.createPartitions({ topicPartitions: grow.map((t) => ({ topic: t.name, count: t.partitions })) }).then(() => undefined),
        describeConfigs: async (wanted) => {
          const described = await admin.describeConfigs({
            includeSynonyms: false,
            resources: wanted.map((t) => ({ type: 2 /* TOPIC */, name: t.name, configNames: t.keys })),
          });
          return new Map(described.resources.map((r) => [r.resourceName, new Map(r.configEntries.map((e) => [e.configName, e.configValue]))]));
        },
        alterConfigs: (drift) =>
          admin
            .alterConfigs({
              validateOnly: false,
              resources: drift.map((t) => ({ type: 2, name: t.name, configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })) })),
            })
            .then(() => undefined),
      },
      topics,
    );
  }

  async endOffsets(topic: string): Promise<Array<{ partition: number; offset: string }>> {
    const admin = await this.adminClient();
    const name = this.names.onCluster(topic);
    // A topic the cluster lacks has no partitions, as on the in-process bus; asking kafkajs
    // for its offsets would retry with back-off for over a minute before saying so.
    if (!(await admin.listTopics()).includes(name)) return [];
    const offsets = await topicOffsets(this.kafka, admin, name);
    return offsets.map((o) => ({ partition: o.partition, offset: o.high }));
  }

  /** Until every partition of the new topics has a leader (the broker may not know them yet). */
  private async waitForLeaders(admin: Admin, topics: string[], timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let waitingFor = topics;
      try {
        const meta = await admin.fetchTopicMetadata({ topics });
        waitingFor = meta.topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
        if (waitingFor.length === 0) return;
      } catch (err) {
        const type = (err as { type?: string }).type;
        if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw err;
      }
      if (Date.now() > deadline) throw new Error(`topics without a leader after ${timeoutMs} ms: ${waitingFor.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async adminClient(): Promise<Admin> {
    if (!this.admin) {
      this.admin = this.kafka.admin();
      await this.admin.connect();
    }
    return this.admin;
  }
}
