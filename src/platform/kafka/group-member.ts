import type { BatchHandler, BusBatch, SubscribeOptions, TopicPartition } from '../bus/types.js';
import { Ownership } from '../bus/ownership.js';
import { Coalescer } from './coalescer.js';
import { IntervalCommits, OffsetMap, type CommitOffsets } from './interval-commits.js';

/** What the client gives a batch: its heartbeat and run state, and what it does before a commit. */
export interface ClientBatchControl {
  heartbeat(): Promise<void>;
  isRunning(): boolean;
  /** Called first on commit: the client's own bookkeeping of the offset (kafkajs resolves it). */
  committing?(nextOffset: string): void;
}

/**
 * What a consumer group member does the same on either Kafka client: whole batches to the
 * handler under the ownership hooks (a gained partition's batches wait for its restore, a lost
 * one's are skipped), offsets committed after the handler's outputs are acknowledged (per
 * batch, coalesced across partitions, or on an interval), and a stop that lets the batches in
 * hand finish and commit and calls onPartitionsRevoked('stop') while still a member.
 */
export class GroupMember {
  readonly ownership: Ownership;
  /** Offset commits of partitions processed side by side share one request, as appends do. */
  private readonly commits: Coalescer<{ topic: string; partition: number; offset: string }>;
  /** With an interval, offsets are noted per batch and committed on a timer. */
  private readonly interval: IntervalCommits | undefined;
  /** Batches in the handler now. */
  private active = 0;
  private running = true;

  constructor(
    private readonly options: SubscribeOptions,
    private readonly handler: BatchHandler,
    /** The client's offset commit (on cluster topic names); undefined while it has none yet. */
    commitWith: () => CommitOffsets | undefined,
  ) {
    this.ownership = new Ownership(options);
    this.commits = new Coalescer(
      (list) => {
        const offsets = new OffsetMap();
        for (const c of list) offsets.note(c.topic, c.partition, c.offset);
        return commitWith()!({ topics: offsets.topics() });
      },
      { gather: true },
    );
    this.interval = options.commitIntervalMs
      ? new IntervalCommits(commitWith, options.commitIntervalMs, (e) => console.error(`${options.groupId}: offset commit failed (those batches may be delivered again): ${e.message}`))
      : undefined;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /**
   * The member's whole assignment after a join. `rejoined`: the group dropped this member
   * meanwhile (a new member id), so others may have owned its partitions: everything is lost,
   * and what comes back is restored afresh.
   */
  assigned(assigned: TopicPartition[], rejoined: boolean): void {
    this.options.onAssignment?.(assigned);
    if (rejoined) this.ownership.assign([]);
    this.ownership.assign(assigned);
    // What was noted belongs to the old assignment.
    this.interval?.drop();
  }

  /**
   * The client left the group without a revoke (kafkajs after a crash): others may own its
   * partitions by now, so they are lost, not handed over, and no checkpoint of them is written.
   */
  left(): void {
    this.ownership.assign([]);
    this.interval?.drop();
  }

  /**
   * Hands one batch (topic named as the services know it) to the handler once the partition's
   * restore is done; `clusterTopic` is its name on the cluster, for commits. False: skipped,
   * the partition is no longer this member's.
   */
  run(batch: BusBatch, clusterTopic: string, client: ClientBatchControl): Promise<boolean> {
    return this.ownership.run({ topic: batch.topic, partition: batch.partition }, async () => {
      this.active++;
      try {
        await this.handler(batch, {
          heartbeat: () => client.heartbeat(),
          isRunning: () => this.running && client.isRunning(),
          commit: async (next) => {
            client.committing?.(next);
            if (this.interval) this.interval.note(clusterTopic, batch.partition, next);
            else await this.commits.add([{ topic: clusterTopic, partition: batch.partition, offset: next }]);
          },
        });
      } finally {
        this.active--;
      }
    });
  }

  /** Stop: no new batch; waits for the ones in hand, then revokes everything ('stop') and commits the last interval. */
  async drain(pauseFetching: () => void): Promise<void> {
    this.running = false;
    pauseFetching();
    while (this.active > 0) await new Promise((r) => setTimeout(r, 10));
    // Still a member: a stateful consumer's last checkpoint lands before another member gets its partitions.
    await this.ownership.release();
    await this.interval?.close();
  }
}
