import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { BatchHandler, SubscribeOptions, Subscription, TopicPartition } from '../bus/types.js';
import { GroupMember } from './group-member.js';
import type { CommitOffsets } from './interval-commits.js';
import { kafkaRecords } from './kafka-record.js';
import type { TopicNames } from './topic-names.js';

const FIRST_RESTART_WAIT_MS = 1000;
const MAX_RESTART_WAIT_MS = 60_000;

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
  private stopping = false;
  /** Crashed and not yet back in the group. */
  private down = false;
  private restartWait = FIRST_RESTART_WAIT_MS;
  /** When the member last joined (performance.now()). */
  private joinedAt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarting: Promise<void> | undefined;

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
      if (e.payload.restart || this.stopping) return;
      this.down = true;
      // kafkajs has left the group: a stop before the restart joins must not checkpoint partitions others may own by now.
      this.member.left();
      options.onCrash?.(e.payload.error);
      // The pause starts over only after a minute in the group: a batch that fails again at once
      // (a join, then the same crash) keeps doubling it instead of rejoining every second.
      if (performance.now() - this.joinedAt >= MAX_RESTART_WAIT_MS) this.restartWait = FIRST_RESTART_WAIT_MS;
      this.restartLater();
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics.map((t) => t.topic), fromBeginning: this.options.fromBeginning });
    await this.run();
  }

  private run(): Promise<void> {
    return this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /**
   * kafkajs restarts a consumer itself only after a retriable error; after any other it has left
   * the group and stays stopped, which would leave the service running and reading nothing. It is
   * started again (from the last commit: the failed batch is run again, its outputs keep their
   * ids) after a pause that doubles while it keeps crashing, up to a minute.
   */
  private restartLater(): void {
    const wait = this.restartWait;
    this.restartWait = Math.min(wait * 2, MAX_RESTART_WAIT_MS);
    console.error(`${this.options.groupId}: starting the consumer again in ${wait} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      // A failed start crashes again (and comes back here) or throws; a join says it runs. A
      // stop meanwhile waits for it, so it never runs past the stop.
      this.restarting = this.consumer
        .connect()
        .then(() => (this.stopping ? undefined : this.run()))
        .catch((err: Error) => {
          console.error(`${this.options.groupId}: consumer restart failed: ${err.message}`);
          if (!this.stopping) this.restartLater();
        });
    }, wait);
  }

  pause(): void {
    this.consumer.pause(this.topics);
  }

  resume(): void {
    this.consumer.resume(this.topics);
  }

  /** No restart from now on (the bus is disconnecting its consumers itself). */
  halt(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
  }

  async stop(): Promise<void> {
    this.halt();
    await this.restarting;
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
    this.joinedAt = performance.now();
    if (this.down) {
      this.down = false;
      this.options.onRestarted?.();
    }
  }

  private async eachBatch({ batch, heartbeat, resolveOffset, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || isStale()) return;
    const topic = this.names.inVigil(batch.topic);
    // Waiting for the partition's restore: the member stays in the group meanwhile (asked every
    // second, sent by kafkajs once its heartbeat interval has passed; see StageRunner).
    const beat = this.member.ownership.restoring({ topic, partition: batch.partition }) ? setInterval(() => void heartbeat().catch(() => {}), 1000) : undefined;
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
