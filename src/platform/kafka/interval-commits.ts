import { SerialQueue } from '../serial-queue.js';

export type TopicOffsets = Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
export type CommitOffsets = (offsets: { topics: TopicOffsets }) => Promise<void>;

/** The next offset to read per topic and partition, keeping the furthest one noted: one commit request's worth. */
export class OffsetMap {
  private readonly byTopic = new Map<string, Map<number, string>>();

  note(topic: string, partition: number, next: string): void {
    const parts = this.byTopic.get(topic) ?? new Map<number, string>();
    const prev = parts.get(partition);
    if (prev === undefined || BigInt(next) > BigInt(prev)) parts.set(partition, next);
    this.byTopic.set(topic, parts);
  }

  get size(): number {
    return this.byTopic.size;
  }

  topics(): TopicOffsets {
    return [...this.byTopic].map(([topic, parts]) => ({ topic, partitions: [...parts].map(([partition, offset]) => ({ partition, offset })) }));
  }
}

/**
 * Offsets committed every `intervalMs` instead of after every batch: a batch's commit then costs
 * no round trip before the next fetch, and the broker one request per interval instead of one
 * per fetch round. An offset is noted only after its batch's outputs were acknowledged, so what
 * is committed was always appended first; a crash re-delivers at most one interval of batches
 * (at least once, as before). Offsets noted before a rebalance are dropped: the partition may
 * now be another member's, and an old offset committed late would move it back.
 */
export class IntervalCommits {
  private pending = new OffsetMap();
  private readonly timer: NodeJS.Timeout;
  /** Commits, one at a time in call order. */
  private readonly commits = new SerialQueue();

  constructor(
    private readonly commit: () => CommitOffsets | undefined,
    intervalMs: number,
    private readonly onError: (error: Error) => void,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  /** The next offset to read of a partition whose batch is done (outputs acknowledged). */
  note(topic: string, partition: number, next: string): void {
    this.pending.note(topic, partition, next);
  }

  /** A rebalance: what was noted belongs to the old assignment. */
  drop(): void {
    this.pending = new OffsetMap();
  }

  /** Commits what is noted (one request), after any commit still under way. */
  flush(): Promise<void> {
    return this.commits.run(async () => {
      const commit = this.commit();
      if (this.pending.size === 0 || !commit) return;
      const topics = this.pending.topics();
      this.pending = new OffsetMap();
      await commit({ topics }).catch((e: Error) => this.onError(e));
    });
  }

  /** Last commit, then no more. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
