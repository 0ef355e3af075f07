import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { BatchHandler, SubscribeOptions, Subscription, TopicPartition } from '../bus/types.js';
import { GroupMember } from './group-member.js';
import type { CommitOffsets } from './interval-commits.js';
import { kafkaRecords } from './kafka-record.js';
import type { TopicNames } from './topic-names.js';

/**
 * One consumer group member on kafkajs: whole batches to the handler, offsets committed after
 * the handler's outputs are acknowledged (per batch, coalesced across partitions, or on an
 * interval), the stateful consumer's ownership hooks driven from the group's joins, and a stop
 * that lets the batches in hand finish and commit before leaving the group (see GroupMember).
 */
export class KafkaSubscription implements Subscription {
  private readonly member: GroupMember;
  /** This member's id in the group: a new one means the group dropped it meanwhile. */
  private memberId: string | undefined;
  /** The last batch's committer: any reaches the group's one offset manager. */
  private commitWith: CommitOffsets | undefined;
  private readonly topics: Array<{ topic: string }>;

  constructor(
    private readonly consumer: Consumer,
    private readonly options: SubscribeOptions,
    handler: BatchHandler,
    private readonly names: TopicNames,
    /** After the member left the group. */
    private readonly onStopped: () => Promise<void>,
  ) {
    this.member = new GroupMember(options, handler, () => this.commitWith);
    this.topics = options.topics.map((t) => ({ topic: names.onCluster(t) }));
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
    // No new batch; the ones in hand finish (and commit, or note their offsets). A consumer
    // kafkajs has stopped (crashed, or between restarts) has nothing to pause.
    await this.member.drain(() => {
      try {
        this.consumer.pause(this.topics);
      } catch {
        // Not running: no batch will come.
      }
    });
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
    // A new member id: the group dropped this member (session expired, or kafkajs restarted the consumer).
    this.member.assigned(assigned, this.memberId !== undefined && memberId !== this.memberId);
    this.memberId = memberId;
  }

  private async eachBatch({ batch, heartbeat, resolveOffset, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || isStale()) return;
    const topic = this.names.inVigil(batch.topic);
    // Waiting for the partition's restore: the member stays in the group meanwhile.
    const beat = this.member.ownership.restoring({ topic, partition: batch.partition }) ? setInterval(() => void heartbeat().catch(() => {}), 3000) : undefined;
    try {
      // Not run (and not committed) once the partition is no longer this member's.
      await this.member.run(
        { topic, partition: batch.partition, records: kafkaRecords(topic, batch.partition, batch.messages), highWatermark: batch.highWatermark },
        batch.topic,
        {
          heartbeat,
          isRunning,
          committing: (next) => {
            resolveOffset(String(BigInt(next) - 1n));
            this.commitWith = commitOffsetsIfNecessary;
          },
        },
      );
    } finally {
      clearInterval(beat);
    }
  }
}
