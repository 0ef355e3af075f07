import type { BusRecord, Headers, OutRecord } from '../bus/types.js';
import type { DeadLetterReason } from './types.js';

/** Headers a dead letter carries, so an operator can see why and replay it to where it came from. */
export const DLQ_HEADERS = {
  reason: 'vigil-dlq-reason',
  error: 'vigil-dlq-error',
  topic: 'vigil-dlq-topic',
  partition: 'vigil-dlq-partition',
  offset: 'vigil-dlq-offset',
  group: 'vigil-dlq-group',
  service: 'vigil-dlq-service',
  at: 'vigil-dlq-timestamp',
} as const;

/**
 * Every reason a dead letter may give: a stage's (see DEAD_LETTER_REASONS), and
 * `delivery_failed` — a remediation action whose webhook failed its last attempt, written by
 * the remediation itself, not by a stage (it was never a consumed record).
 */
export type DlqReason = DeadLetterReason | 'delivery_failed';

/**
 * The `vigil-dlq-*` headers: why, who, when, and — for a record that was consumed — where it came
 * from. `who.group` and `from` are left out when there is no consumer group or source record.
 */
export function dlqHeaders(
  reason: DlqReason,
  error: string,
  who: { service: string; group?: string },
  from?: { topic: string; partition: number; offset: string },
  now: number = Date.now(),
): Headers {
  return {
    [DLQ_HEADERS.reason]: reason,
    [DLQ_HEADERS.error]: error.slice(0, 1000),
    ...(from
      ? {
          [DLQ_HEADERS.topic]: from.topic,
          [DLQ_HEADERS.partition]: String(from.partition),
          [DLQ_HEADERS.offset]: from.offset,
        }
      : {}),
    ...(who.group !== undefined ? { [DLQ_HEADERS.group]: who.group } : {}),
    [DLQ_HEADERS.service]: who.service,
    [DLQ_HEADERS.at]: String(now),
  };
}

/** The dead-letter copy of `record`: original key, bytes and headers, plus why and whence. */
export function deadLetter(
  record: BusRecord,
  dlqTopic: string,
  reason: DeadLetterReason,
  error: string,
  who: { service: string; group: string },
): OutRecord {
  return {
    topic: dlqTopic,
    key: record.key === null ? null : record.key.toString('utf8'),
    value: record.value ?? Buffer.alloc(0),
    headers: { ...record.headers, ...dlqHeaders(reason, error, who, record) },
  };
}
