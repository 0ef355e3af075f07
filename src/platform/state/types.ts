/** Per partition asked for: the latest value of every key in it (deleted keys absent). */
export type RestoredState = Map<number, Map<string, Buffer>>;

/**
 * A stateful service's changelog, the Kafka Streams way: the latest snapshot per key (entity),
 * on the partition of the input its records come from (co-partitioning), compacted. Writes are
 * buffered until flush(); restore() reads back only the partitions asked for.
 */
export interface Changelog {
  /** The changelog topic (streams/topics.yaml, `changelogOf`). */
  readonly topic: string;
  /** Buffers `key`'s snapshot on input partition `partition`; replaces what the key had buffered. */
  put(key: string, partition: number, value: Buffer): void;
  /** Buffers a tombstone: the key is gone from later restores. */
  delete(key: string, partition: number): void;
  /** Keys with a write waiting for flush(). */
  readonly pending: number;
  /**
   * Writes what is buffered; resolves once it is durable (acknowledged by every in-sync replica,
   * or fsynced). Flushes run one at a time, in call order. On failure the writes stay buffered
   * (unless replaced meanwhile) for the next flush, and the error is thrown.
   */
  flush(): Promise<void>;
  /** Drops buffered writes of partitions this process no longer owns (their new owner writes now). */
  discard(partitions: number[]): void;
  /**
   * The latest value per key of these partitions as of the call (tombstones remove keys), and
   * nothing of other partitions. Buffered writes are not included: flush first.
   */
  restore(partitions: number[]): Promise<RestoredState>;
  /** Releases what the store holds open; buffered writes are not flushed. */
  close(): Promise<void>;
}
