import type { BusRecord, OutRecord } from '../bus/types.js';
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
    headers: {
      ...record.headers,
      [DLQ_HEADERS.reason]: reason,
      [DLQ_HEADERS.error]: error.slice(0, 1000),
      [DLQ_HEADERS.topic]: record.topic,
      [DLQ_HEADERS.partition]: String(record.partition),
      [DLQ_HEADERS.offset]: record.offset,
      [DLQ_HEADERS.group]: who.group,
      [DLQ_HEADERS.service]: who.service,
      [DLQ_HEADERS.at]: String(Date.now()),
    },
  };
}
