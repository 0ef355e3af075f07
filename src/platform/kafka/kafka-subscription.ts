import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { BatchHandler, SubscribeOptions, Subscription, TopicPartition } from '../bus/types.js';
import { Ownership } from '../bus/ownership.js';
import { Coalescer } from './coalescer.js';
import { IntervalCommits, OffsetMap, type CommitOffsets } from './interval-commits.js';
import { kafkaRecords } from './kafka-record.js';

/** Topic names between the cluster (with the namespace prefix) and the services (without). */
export interface TopicNames {
  onCluster(topic: string): string;
  inVigil(topic: string): string;
}

/**
 * One consumer group member on kafkajs: whole batches to the handler, offsets committed after
 * the handler's outputs are acknowledged (per batch, coalesced across partitions, or on an
 * interval), the stateful consumer's ownership hooks driven from the group's joins, and a stop
 * that lets the batches in hand finish and commit before leaving the group.
 */
export class KafkaSubscription implements Subscription {
  private readonly ownership: Ownership;
  /** This member's id in the group: a new one means the group dropped it meanwhile. */
  private memberId: string | undefined;
  /** The last batch's committer: any reaches the group's one offset manager. */
  private commitWith: CommitOffsets | undefined;
  /** Offset commits of partitions processed side by side share one request, as appends do. */
  private readonly commits = new Coalescer<{ topic: string; partition: number; offset: string }>(
    (list) => {
      const offsets = new OffsetMap();
      for (const c of list) offsets.note(c.topic, c.partition, c.offset);
      return this.commitWith!({ topics: offsets.topics() });
    },
    { gather: true },
  );
  /** With an interval, offsets are noted per batch and committed on a timer. */
  private readonly interval: IntervalCommits | undefined;
  /** Batches in the handler now. */
  private active = 0;
  private running = true;
  private readonly topics: Array<{ topic: string }>;

  constructor(
    private readonly consumer: Consumer,
    private readonly options: SubscribeOptions,
    private readonly handler: BatchHandler,
    private readonly names: TopicNames,
    /** After the member left the group. */
    private readonly onStopped: () => Promise<void>,
  ) {
    this.ownership = new Ownership(options);
    this.topics = options.topics.map((t) => ({ topic: names.onCluster(t) }));
    this.interval = options.commitIntervalMs
      ? new IntervalCommits(() => this.commitWith, options.commitIntervalMs, (e) => console.error(`${options.groupId}: offset commit failed (those batches may be delivered again): ${e.message}`))
      : undefined;
    consumer.on(consumer.events.GROUP_JOIN, (e) => this.joined(e.payload.memberId, e.payload.memberAssignment));
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) options.onCrash?.(e.payload.error);
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics.map((t) => t.topic), fromBeginning: this.options.fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  pause(): void {
    this.consumer.pause(this.topics);
  }

  resume(): void {
    this.consumer.resume(this.topics);
  }

  async stop(): Promise<void> {
    this.running = false;
    // No new batch; the ones in hand finish (and commit, or note their offsets). A consumer
    // kafkajs has stopped (crashed, or between restarts) has nothing to pause.
    try {
      this.consumer.pause(this.topics);
    } catch {
      // Not running: no batch will come.
    }
    while (this.active > 0) await new Promise((r) => setTimeout(r, 10));
    // Still a member: a stateful consumer's last checkpoint lands before another member gets its partitions.
    await this.ownership.release();
    await this.interval?.close();
    // disconnect() stops fetching and leaves the group.
    await this.consumer.disconnect();
    await this.onStopped();
  }

  /**
   * kafkajs says what a member has after each join (it has no revocation callback): the
   * difference with the previous join is what it gained and lost. Emitted before the
   * generation's first fetch, so a gained partition's batches find its restore pending.
   */
  private joined(memberId: string, memberAssignment: Record<string, number[]>): void {
    const assigned: TopicPartition[] = Object.entries(memberAssignment).flatMap(([topic, parts]) =>
      parts.map((partition) => ({ topic: this.names.inVigil(topic), partition })),
    );
    this.options.onAssignment?.(assigned);
    // A new member id: the group dropped this member (session expired, or kafkajs restarted
    // the consumer), so others may have owned its partitions meanwhile: everything is lost,
    // and what comes back is restored afresh.
    if (this.memberId !== undefined && memberId !== this.memberId) this.ownership.assign([]);
    this.memberId = memberId;
    this.ownership.assign(assigned);
    // What was noted belongs to the old assignment.
    this.interval?.drop();
  }

  private async eachBatch({ batch, heartbeat, resolveOffset, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || isStale()) return;
    const topic = this.names.inVigil(batch.topic);
    const tp = { topic, partition: batch.partition };
    // Waiting for the partition's restore: the member stays in the group meanwhile.
    const beat = this.ownership.restoring(tp) ? setInterval(() => void heartbeat().catch(() => {}), 3000) : undefined;
    try {
      // Not run (and not committed) once the partition is no longer this member's.
      await this.ownership.run(tp, async () => {
        this.active++;
        try {
          await this.handler(
            { topic, partition: batch.partition, records: kafkaRecords(topic, batch.partition, batch.messages), highWatermark: batch.highWatermark },
            {
              heartbeat,
              isRunning: () => this.running && isRunning(),
              commit: async (next) => {
                resolveOffset(String(BigInt(next) - 1n));
                this.commitWith = commitOffsetsIfNecessary;
                if (this.interval) this.interval.note(batch.topic, batch.partition, next);
                else await this.commits.add([{ topic: batch.topic, partition: batch.partition, offset: next }]);
              },
            },
          );
        } finally {
          this.active--;
        }
      });
    } finally {
      clearInterval(beat);
    }
  }
}
