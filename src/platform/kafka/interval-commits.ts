export type CommitOffsets = (offsets: { topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> }) => Promise<void>;

/**
 * Offsets committed every `intervalMs` instead of after every batch: a batch's commit then costs
 * no round trip before the next fetch, and the broker one request per interval instead of one
 * per fetch round. An offset is noted only after its batch's outputs were acknowledged, so what
 * is committed was always appended first; a crash re-delivers at most one interval of batches
 * (at least once, as before). Offsets noted before a rebalance are dropped: the partition may
 * now be another member's, and an old offset committed late would move it back.
 */
export class IntervalCommits {
  private pending = new Map<string, Map<number, string>>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

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
    const parts = this.pending.get(topic) ?? new Map<number, string>();
    const prev = parts.get(partition);
    if (prev === undefined || BigInt(next) > BigInt(prev)) parts.set(partition, next);
    this.pending.set(topic, parts);
  }

  /** A rebalance: what was noted belongs to the old assignment. */
  drop(): void {
    this.pending = new Map();
  }

  /** Commits what is noted (one request), after any commit still under way. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const commit = this.commit();
      if (this.pending.size === 0 || !commit) return;
      const topics = [...this.pending].map(([topic, parts]) => ({ topic, partitions: [...parts].map(([partition, offset]) => ({ partition, offset })) }));
      this.pending = new Map();
      await commit({ topics }).catch((e: Error) => this.onError(e));
    });
    return this.flushing;
  }

  /** Last commit, then no more. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
