import type { Context } from '@opentelemetry/api';
import type { Headers, RevokeReason, TopicPartition } from '../bus/types.js';

/** A record that passed decoding and its topic's schema. */
export interface InRecord<T> {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: T;
  headers: Headers;
  timestamp: number;
  /** The producer's trace context (W3C traceparent header), or the batch's when it had none. */
  trace: Context;
}

/** An output the handler asks the platform to append before the input is committed. */
export interface Emit {
  topic: string;
  key: string | null;
  value: object;
  /** Deterministic id (see messageId): re-produced outputs keep it, consumers drop repeats. */
  id: string;
  headers?: Headers;
  /** The input it came from: its trace context becomes the output's parent. */
  source?: InRecord<unknown>;
}

export interface HandlerContext {
  heartbeat(): Promise<void>;
  /** False when the service is stopping: finish this batch without starting long work. */
  isRunning(): boolean;
  /**
   * Dead-letter one record the service refuses on its own terms (valid JSON, valid schema, yet
   * unacceptable — an unknown currency, say), with the reason; no retry, the batch goes on.
   */
  reject(record: InRecord<unknown>, error: string): void;
}

/**
 * A service's logic for one batch of one partition: everything it returns is appended (and
 * acknowledged) before the batch's offsets are committed. Throwing makes the platform retry
 * the batch, then split it to isolate the record that fails and dead-letter that record alone:
 * a handler may therefore see a record again and should be idempotent per record.
 */
export type StageHandler<T> = (records: InRecord<T>[], ctx: HandlerContext) => Promise<Emit[]>;

export const DEAD_LETTER_REASONS = ['oversize', 'invalid_json', 'schema', 'rejected', 'handler_error'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export interface StageOptions<T> {
  /** Service name: metric label and the default consumer group `vigil-<service>`. */
  service: string;
  groupId?: string;
  topics: string[];
  handle: StageHandler<T>;
  fromBeginning?: boolean;
  /** Attempts of a failing batch before it is split (default 3). */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt, with jitter (default 100 ms). */
  retryBackoffMs?: number;
  /** Records received but not committed above which fetching pauses (default 20,000). */
  maxInFlight?: number;
  /** Larger records are dead-lettered unread (default 1 MiB). */
  maxRecordBytes?: number;
  partitionsConsumedConcurrently?: number;
  /** See SubscribeOptions.commitIntervalMs (default: commit after each batch). */
  commitIntervalMs?: number;
  /** See SubscribeOptions.deleteGroupOnStop. */
  deleteGroupOnStop?: boolean;
  onAssignment?: (assigned: TopicPartition[]) => void;
  /**
   * Stateful stages: restore the state of partitions this member was just given (at start, at a
   * rebalance, when another member died) — all the assignment added, at once. No batch of those
   * partitions is handled before it resolves; a throw is logged and retried with back-off.
   */
  onPartitionsAssigned?: (gained: TopicPartition[]) => Promise<void>;
  /**
   * Stateful stages: forget the state of partitions this member no longer has, after their
   * batches in hand. `stop`: on stop, still owned (checkpoint now; the next owner reads it).
   * `rebalance`: on Kafka already another member's, which may be restoring them (kafkajs tells
   * no sooner): a checkpoint written now may come too late for it.
   */
  onPartitionsRevoked?: (lost: TopicPartition[], reason: RevokeReason) => Promise<void>;
}
