import type { Context } from '@opentelemetry/api';
import type { Headers, SubscribeOptions } from '../bus/types.js';

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
  /**
   * False on every call for a fetched batch but its last (see StageHandler): work that must come
   * before the batch commits but not before each call, such as checkpoints, waits for the last.
   * Absent where batches are not sliced.
   */
  endOfBatch?: boolean;
}

/**
 * A service's logic for one batch of one partition (a fetched batch of more than 512 records comes
 * as several calls, in order, `ctx.endOfBatch` true on the last): everything it returns is appended (and acknowledged) before the
 * fetched batch's offsets are committed. Throwing makes the platform retry
 * the batch, then split it to isolate the record that fails and dead-letter that record alone:
 * a handler may therefore see a record again and should be idempotent per record.
 */
export type StageHandler<T> = (records: InRecord<T>[], ctx: HandlerContext) => Promise<Emit[]>;

export const DEAD_LETTER_REASONS = ['oversize', 'invalid_json', 'schema', 'rejected', 'handler_error'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** What a stage passes to its subscription as it is (see SubscribeOptions for each). */
type SubscriptionSettings = Pick<
  SubscribeOptions,
  'partitionsConsumedConcurrently' | 'commitIntervalMs' | 'deleteGroupOnStop' | 'onAssignment' | 'onPartitionsAssigned' | 'onPartitionsRevoked'
>;

export interface StageOptions<T> extends SubscriptionSettings {
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
}
