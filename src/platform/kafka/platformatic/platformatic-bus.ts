import { randomUUID } from 'node:crypto';
import { Admin, compatibilityPartitioner, Consumer, Producer, type BaseOptions, type Partitioner } from '@platformatic/kafka';
import type { KafkaConfig } from 'kafkajs';
import type { BatchHandler, Bus, BusRecord, OutRecord, SubscribeOptions, Subscription, TopicSpec } from '../../bus/types.js';
import { Appends } from '../appends.js';
import { topicPrefixFromEnv } from '../client-options.js';
import type { KafkaBusOptions } from '../kafka-bus.js';
import { TopicNames } from '../topic-names.js';
import { applyTopicPlan } from '../topic-plan.js';
import { platformaticOptions } from './client-config.js';
import { fetchByLeader, offsetsAt, type Position } from './fetch-round.js';
import { batchRecords } from './platformatic-record.js';
import { PlatformaticSubscription } from './platformatic-subscription.js';
import { topicAdmin } from './topic-admin.js';

/**
 * Java's partitioner, as kafkajs' DefaultPartitioner and the in-process bus use: the client's
 * own default keeps murmur2's sign bit, so a key would land elsewhere. Keyless records rotate.
 */
function javaPartitioner(): Partitioner<Buffer, Buffer, Buffer, Buffer> {
  let next = 0;
  return (message, key) => (key ? compatibilityPartitioner(message, key) : next++ & 0x7fffffff);
}

/**
 * The bus on a real Kafka cluster through @platformatic/kafka (VIGIL_KAFKA_CLIENT=platformatic):
 * the same semantics as KafkaBus — idempotent acks=all producer, Java partitioning, whole
 * per-partition batches, manual commits, the ownership hooks, the topic prefix.
 */
export class PlatformaticBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly base: BaseOptions;
  private readonly producer: Producer;
  private admin: Admin | undefined;
  private readonly consumers = new Set<Consumer>();
  private readonly subscriptions = new Set<PlatformaticSubscription>();
  private readonly names: TopicNames;
  private readonly appends = new Appends((records) => this.sendChunk(records));
  private connected = false;

  constructor(
    config: KafkaConfig,
    private readonly options: KafkaBusOptions = {},
  ) {
    this.names = new TopicNames(options.topicPrefix ?? topicPrefixFromEnv());
    this.base = platformaticOptions(config);
    // Idempotence makes the broker drop a retried batch it already has (acks=all, order kept).
    this.producer = new Producer({ ...this.base, idempotent: true, acks: -1, compression: options.compression ?? 'snappy', partitioner: javaPartitioner() });
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    // The client connects on first use: ask for the cluster's metadata so a wrong address or credential shows now.
    await this.producer.metadata({ topics: [] });
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    // Subscriptions not stopped end where they are, as kafkajs' consumers do on disconnect.
    for (const s of this.subscriptions) s.halt();
    this.subscriptions.clear();
    for (const c of [...this.consumers]) await c.close(true);
    this.consumers.clear();
    await this.admin?.close();
    this.admin = undefined;
    await this.producer.close();
    this.connected = false;
  }

  send(records: OutRecord[], options: { shared?: boolean } = {}): Promise<void> {
    return this.appends.send(records, options);
  }

  private async sendChunk(records: OutRecord[]): Promise<void> {
    await this.producer.send({
      messages: records.map((r) => ({
        topic: this.names.onCluster(r.topic),
        ...(r.key === null ? {} : { key: Buffer.from(r.key) }),
        ...(r.value === null ? {} : { value: typeof r.value === 'string' ? Buffer.from(r.value) : r.value }),
        ...(r.headers ? { headers: new Map(Object.entries(r.headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])) } : {}),
        ...(r.partition === undefined ? {} : { partition: r.partition }),
      })),
    });
  }

  async subscribe(options: SubscribeOptions, handler: BatchHandler): Promise<Subscription> {
    const sessionTimeout = this.options.sessionTimeoutMs ?? 30_000;
    const consumer = this.consumer(options.groupId);
    const subscription = new PlatformaticSubscription(
      consumer,
      options,
      handler,
      this.names,
      { maxBytesPerPartition: this.options.maxBytesPerPartition ?? 1024 * 1024, maxBytes: 16 * 1024 * 1024, maxWaitTime: 1000 },
      { sessionTimeout, heartbeatInterval: Math.min(3000, Math.floor(sessionTimeout / 3)), rebalanceTimeout: Math.max(60_000, sessionTimeout) },
      async () => {
        this.consumers.delete(consumer);
        this.subscriptions.delete(subscription);
        if (options.deleteGroupOnStop) {
          const admin = this.adminClient();
          await admin.deleteGroups({ groups: [options.groupId] }).catch((e: Error) => console.error(`consumer group ${options.groupId} not deleted: ${e.message}`));
        }
      },
    );
    this.subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (err) {
      this.subscriptions.delete(subscription);
      this.consumers.delete(consumer);
      await consumer.close(true).catch(() => undefined);
      throw err;
    }
    return subscription;
  }

  /**
   * Reads partitions up to their end offsets at call time with plain fetches: no group is joined,
   * so none is left behind (and no rebalance delay is paid, unlike kafkajs).
   */
  async scan(topic: string, partitions: number[], each: (records: BusRecord[]) => void): Promise<void> {
    const name = this.names.onCluster(topic);
    const reader = this.consumer(`${this.base.clientId}-scan-${randomUUID()}`);
    try {
      reader.topics.track(name);
      const [low, high] = await Promise.all([offsetsAt(reader, name, undefined, 'earliest'), offsetsAt(reader, name, undefined, 'latest')]);
      const stops = new Map<number, bigint>();
      const at = new Map<number, bigint>();
      for (const partition of new Set(partitions)) {
        const end = high.get(partition);
        if (end === undefined) throw new Error(`topic ${topic} has no partition ${partition}`);
        if (end > (low.get(partition) ?? 0n)) {
          stops.set(partition, end);
          at.set(partition, low.get(partition) ?? 0n);
        }
      }
      const limits = { maxBytesPerPartition: 16 * 1024 * 1024, maxBytes: 64 * 1024 * 1024, maxWaitTime: 500 };
      while (at.size > 0) {
        const positions: Position[] = [...at].map(([partition, offset]) => ({ topic: name, partition, offset }));
        const outOfRange = await fetchByLeader(reader, positions, limits, async (fetched) => {
          for (const f of fetched) {
            const stop = stops.get(f.partition)!;
            const { records, next } = batchRecords(topic, f.partition, f.batches, f.offset);
            const wanted = records.filter((r) => BigInt(r.offset) < stop);
            if (wanted.length > 0) each(wanted);
            if (next >= stop) at.delete(f.partition);
            else at.set(f.partition, next);
          }
        });
        // Retention removed the start meanwhile: go on from the oldest record left.
        if (outOfRange.length > 0) {
          const moved = await offsetsAt(reader, name, outOfRange.map((p) => p.partition), 'earliest');
          for (const [partition, offset] of moved) if (at.has(partition)) at.set(partition, offset);
        }
      }
    } finally {
      this.consumers.delete(reader);
      await reader.close(true).catch(() => undefined);
    }
  }

  async applyTopics(specs: Array<TopicSpec & { replicationFactor?: number }>): Promise<string[]> {
    const topics = specs.map((t) => ({ ...t, name: this.names.onCluster(t.name), replicationFactor: t.replicationFactor ?? this.options.replicationFactor ?? 1 }));
    return applyTopicPlan(topicAdmin(this.adminClient()), topics);
  }

  async endOffsets(topic: string): Promise<Array<{ partition: number; offset: string }>> {
    const name = this.names.onCluster(topic);
    // A topic the cluster lacks has no partitions, as on the in-process bus.
    if (!(await this.adminClient().listTopics()).includes(name)) return [];
    const reader = this.consumer(`${this.base.clientId}-offsets`);
    try {
      const high = await offsetsAt(reader, name, undefined, 'latest');
      return [...high].sort(([a], [b]) => a - b).map(([partition, offset]) => ({ partition, offset: offset.toString() }));
    } finally {
      this.consumers.delete(reader);
      await reader.close(true).catch(() => undefined);
    }
  }

  private consumer(groupId: string): Consumer {
    const consumer = new Consumer({ ...this.base, groupId, autocommit: false });
    this.consumers.add(consumer);
    return consumer;
  }

  private adminClient(): Admin {
    return (this.admin ??= new Admin(this.base));
  }
}
