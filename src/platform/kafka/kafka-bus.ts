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
import { Coalescer } from './coalescer.js';
import { kafkaRecords } from './kafka-record.js';
import { KafkaSubscription } from './kafka-subscription.js';
import { misconfiguration, probeSettings } from './connect-errors.js';
import { readPartitions } from './partition-reader.js';
import { topicOffsets } from './topic-offsets.js';
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

const MAX_REQUEST_BYTES = 900 * 1024;

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
  private connected = false;
  private readonly prefix: string;
  /**
   * Appends to a topic from batches processed side by side travel together (see Coalescer);
   * one coalescer per topic, so a topic the broker is slow to take stalls only its own senders.
   * They gather for the rest of the event-loop turn, so the batches of one fetch round, which
   * finish in the same turn, share the first request rather than queue behind it.
   */
  private readonly sends = new Map<string, Coalescer<OutRecord>>();

  constructor(
    private readonly config: KafkaConfig,
    private readonly options: KafkaBusOptions = {},
  ) {
    this.prefix = options.topicPrefix ?? topicPrefixFromEnv();
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
    for (const c of [...this.consumers]) await c.disconnect();
    this.consumers.clear();
    await this.admin?.disconnect();
    this.admin = undefined;
    if (this.connected) await this.producer.disconnect();
    this.connected = false;
  }

  async send(records: OutRecord[], options: { shared?: boolean } = {}): Promise<void> {
    // Unshared appends (an ingest request waiting on its acknowledgement) never queue behind others.
    if (!options.shared) return this.sendNow(records);
    await Promise.all(
      [...groupByTopic(records)].map(([topic, list]) => {
        let coalescer = this.sends.get(topic);
        if (!coalescer) this.sends.set(topic, (coalescer = new Coalescer((merged) => this.sendNow(merged), { gather: true })));
        return coalescer.add(list);
      }),
    );
  }

  /** Records in requests that stay under the broker's limit. */
  private async sendNow(records: OutRecord[]): Promise<void> {
    // Requests stay under the broker's default message.max.bytes (1 MiB) whatever the
    // compression achieves; chunks go one after another so order per partition holds.
    let chunk: OutRecord[] = [];
    let bytes = 0;
    for (const r of records) {
      const size = (r.value?.length ?? 0) + (r.key?.length ?? 0) + 64;
      if (chunk.length > 0 && bytes + size > MAX_REQUEST_BYTES) {
        await this.sendChunk(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(r);
      bytes += size;
    }
    if (chunk.length > 0) await this.sendChunk(chunk);
  }

  private async sendChunk(records: OutRecord[]): Promise<void> {
    await this.producer.sendBatch({
      acks: -1,
      compression: COMPRESSION[this.options.compression ?? 'snappy'],
      topicMessages: [...groupByTopic(records)].map(([topic, list]) => ({
        topic: this.onCluster(topic),
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
    const names = { onCluster: (t: string) => this.onCluster(t), inVigil: (t: string) => this.inVigil(t) };
    const subscription = new KafkaSubscription(consumer, options, handler, names, async () => {
      this.consumers.delete(consumer);
      if (options.deleteGroupOnStop) {
        const admin = await this.adminClient();
        await admin.deleteGroups([options.groupId]).catch((e: Error) => console.error(`consumer group ${options.groupId} not deleted: ${e.message}`));
      }
    });
    await subscription.start();
    return subscription;
  }

  async scan(topic: string, partitions: number[], each: (records: BusRecord[]) => void): Promise<void> {
    const admin = await this.adminClient();
    await readPartitions(this.kafka, admin, this.onCluster(topic), partitions, (batch, upTo) => {
      const records = kafkaRecords(topic, batch.partition, batch.messages.filter((m) => BigInt(m.offset) < upTo));
      if (records.length > 0) each(records);
    }, { clientId: this.config.clientId ?? 'vigil' });
  }

  async applyTopics(specs: Array<TopicSpec & { replicationFactor?: number }>): Promise<string[]> {
    const topics = specs.map((t) => ({ ...t, name: this.onCluster(t.name) }));
    const admin = await this.adminClient();
    const existing = new Set(await admin.listTopics());
    const changes: string[] = [];
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      await admin.createTopics({
        // kafkajs's own wait asks for metadata once and fails when the broker does not know the
        // new topic yet (UNKNOWN_TOPIC_OR_PARTITION, common right after creation on KRaft).
        waitForLeaders: false,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: t.replicationFactor ?? this.options.replicationFactor ?? 1,
          configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
        })),
      });
      await this.waitForLeaders(admin, missing.map((t) => t.name));
      changes.push(...missing.map((t) => `created ${t.name} (${t.partitions} partitions)`));
    }
    const present = topics.filter((t) => existing.has(t.name));
    if (present.length === 0) return changes;
    const meta = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
    const grow = present.filter((t) => (meta.topics.find((m) => m.name === t.name)?.partitions.length ?? 0) < t.partitions);
    if (grow.length > 0) {
      await admin.createPartitions({ topicPartitions: grow.map((t) => ({ topic: t.name, count: t.partitions })) });
      changes.push(...grow.map((t) => `grew ${t.name} to ${t.partitions} partitions`));
    }
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((t) => ({ type: 2 /* TOPIC */, name: t.name, configNames: Object.keys(t.config) })),
    });
    const drift = present.filter((t) => {
      const res = described.resources.find((r) => r.resourceName === t.name);
      return Object.entries(t.config).some(([k, v]) => res?.configEntries.find((e) => e.configName === k)?.configValue !== v);
    });
    if (drift.length > 0) {
      // AlterConfigs (not the incremental kind) resets keys it is not given: the catalogue owns them all.
      await admin.alterConfigs({
        validateOnly: false,
        resources: drift.map((t) => ({
          type: 2,
          name: t.name,
          configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
        })),
      });
      changes.push(...drift.map((t) => `updated config of ${t.name}`));
    }
    return changes;
  }

  async endOffsets(topic: string): Promise<Array<{ partition: number; offset: string }>> {
    const admin = await this.adminClient();
    const name = this.onCluster(topic);
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

  /** The name a topic has on the cluster. */
  private onCluster(topic: string): string {
    return this.prefix + topic;
  }

  /** The name the services know a cluster topic by. */
  private inVigil(topic: string): string {
    return topic.startsWith(this.prefix) ? topic.slice(this.prefix.length) : topic;
  }

  private async adminClient(): Promise<Admin> {
    if (!this.admin) {
      this.admin = this.kafka.admin();
      await this.admin.connect();
    }
    return this.admin;
  }
}
