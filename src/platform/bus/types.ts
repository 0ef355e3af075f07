/**
 * The bus is what services see of Kafka: keyed records on partitioned topics, consumer groups
 * and committed offsets. Two implementations share it — Kafka (kafkajs) and the in-process
 * bus used as the embedded default and in unit tests — so services never know which one runs.
 */

export type Headers = Record<string, string>;

/** A record as it was read: bytes and metadata, not yet decoded. */
export interface BusRecord {
  topic: string;
  partition: number;
  /** Kafka offsets are int64: kept as decimal strings, as kafkajs does. */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  /** Append time (ms since epoch) as the broker stamped it. */
  timestamp: number;
  /**
   * One header's value without converting the others (Kafka's records convert their headers
   * only when `headers` is read); absent: read `headers` (see `headerOf` in header-of.ts).
   */
  header?(name: string): string | undefined;
}

/** A record to append. */
export interface OutRecord {
  topic: string;
  key: string | null;
  /** null: a tombstone, which deletes the key from a compacted topic. */
  value: Buffer | string | null;
  headers?: Headers;
  /** Pin a partition; otherwise the key decides. */
  partition?: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Why a member no longer has partitions it had (see SubscribeOptions.onPartitionsRevoked). */
export type RevokeReason = 'rebalance' | 'stop';

/** One partition's slice of records handed to a consumer at once. */
export interface BusBatch {
  topic: string;
  partition: number;
  records: BusRecord[];
  /** Offset of the next record the partition will get: lag = highWatermark - next offset. */
  highWatermark: string;
}

/** What a batch handler may do to the consumer while it holds the batch. */
export interface BatchControl {
  /** Keep group membership alive during long work. */
  heartbeat(): Promise<void>;
  /** Commit `nextOffset` (last processed offset + 1) for this batch's partition. */
  commit(nextOffset: string): Promise<void>;
  /** False once the consumer is stopping: finish the current batch quickly. */
  isRunning(): boolean;
}

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  /** Where a group with no committed offset starts. */
  fromBeginning: boolean;
  /** Partitions processed at the same time (each still in order). */
  partitionsConsumedConcurrently?: number;
  /**
   * Commit offsets every this many ms rather than after each batch (0 or absent: after each
   * batch). Kafka only; a crash re-delivers at most this long of batches.
   */
  commitIntervalMs?: number;
  /**
   * The group is this process's alone and read from the start at every start (a per-process
   * reader of a whole topic): deleted when the subscription stops, so starts do not leave
   * committed groups behind (a crash still does, until the broker's offsets retention).
   */
  deleteGroupOnStop?: boolean;
  /** Called when partitions are assigned or revoked, so owners can rebuild state. */
  onAssignment?: (assigned: TopicPartition[]) => void;
  /**
   * For stateful consumers: the partitions an assignment added (at start, at a rebalance, when
   * another member died), all at once. No batch of those partitions reaches the handler before
   * it has resolved; a throw is logged and retried with back-off. Hooks run one at a time, in
   * the order the assignments came.
   */
  onPartitionsAssigned?: (gained: TopicPartition[]) => Promise<void>;
  /**
   * The partitions this member no longer has. `stop`: on stop, after the last batch and before
   * leaving the group — still owned, so what is written now reaches the next owner. `rebalance`:
   * Kafka (kafkajs) says so only once the group has handed them to another member, which may be
   * restoring them already (Java's onPartitionsLost, not onPartitionsRevoked).
   */
  onPartitionsRevoked?: (lost: TopicPartition[], reason: RevokeReason) => Promise<void>;
  /**
   * The consumer stopped on an error its client does not retry (a coordinator not found while
   * the broker restarts, a producer sequence error): the service is not ready until it runs again.
   * The subscription starts it again after a pause until stopped (kafkajs: 1 s, doubling to a
   * minute while it keeps crashing; platformatic: its fetch loop's back-off, doubling to 30 s).
   * Its partitions are lost meanwhile (onPartitionsRevoked 'rebalance': no checkpoint).
   */
  onCrash?: (error: Error) => void;
  /** Running again after a crash: the service is ready again. */
  onRestarted?: () => void;
}

export type BatchHandler = (batch: BusBatch, control: BatchControl) => Promise<void>;

export interface Subscription {
  /** Pause and resume fetching (the current batch still completes). */
  pause(): void;
  resume(): void;
  /** Stop fetching, let the running batch finish and commit, then leave the group. */
  stop(): Promise<void>;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  config: Record<string, string>;
}

export interface Bus {
  readonly kind: 'kafka' | 'memory';
  connect(): Promise<void>;
  /**
   * Appends records; resolves only once the broker acknowledged all of them. `shared`: the
   * appends may wait for, and travel with, other callers' appends to the same topic (group
   * commit) — for batch outputs, where fewer round trips matter more than the first one's wait.
   */
  send(records: OutRecord[], options?: { shared?: boolean }): Promise<void>;
  subscribe(options: SubscribeOptions, handler: BatchHandler): Promise<Subscription>;
  /** Creates missing topics, grows partitions, updates configs. Returns what changed. */
  applyTopics(topics: TopicSpec[]): Promise<string[]>;
  /** Per partition: the offset the next appended record will get. */
  endOffsets(topic: string): Promise<Array<{ partition: number; offset: string }>>;
  /**
   * Reads `partitions` of `topic` from their oldest retained record up to their end offsets as
   * they were when called (later appends are not read), handing over the records in offset
   * order per partition. No consumer group is left behind. For restoring state from a changelog.
   */
  scan(topic: string, partitions: number[], each: (records: BusRecord[]) => void): Promise<void>;
  disconnect(): Promise<void>;
}
