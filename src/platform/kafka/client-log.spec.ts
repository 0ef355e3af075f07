import type { LogEntry } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { formatKafkaLog, kafkaLogLevel } from './client-log.js';

const entry = (level: number, message: string, extra: Record<string, unknown> = {}, namespace = 'Connection'): LogEntry => ({
  namespace,
  level,
  label: ['', 'ERROR', 'WARN', '', 'INFO', 'DEBUG'][level]!,
  log: { timestamp: '2026-12-06T20:00:00.000Z', logger: 'kafkajs', message, ...extra },
});

describe("kafkajs' log in Vigil's", () => {
  it('puts what a starting broker or a forming group makes kafkajs retry at debug', () => {
    expect(kafkaLogLevel(entry(1, 'Response GroupCoordinator(key: 10, version: 2)', { error: 'The coordinator is loading and hence can\'t process requests for this group' }))).toBe('debug');
    expect(kafkaLogLevel(entry(1, 'Response FindCoordinator(key: 10, version: 2)', { error: 'The group coordinator is not available' }))).toBe('debug');
    expect(kafkaLogLevel(entry(2, 'The group is rebalancing, re-joining', {}, 'Runner'))).toBe('debug');
    expect(kafkaLogLevel(entry(1, 'Failed to send messages: This server is not the leader for that topic-partition', { retryCount: 0 }, 'Producer'))).toBe('debug');
    expect(kafkaLogLevel(entry(2, 'Limiting retries for the idempotent producer may invalidate EoS guarantees', {}, 'Producer'))).toBe('debug');
    expect(kafkaLogLevel(entry(4, 'Consumer has joined the group', {}, 'Runner'))).toBe('debug');
  });

  it('keeps other errors and warnings at their level', () => {
    expect(kafkaLogLevel(entry(1, 'Crash: KafkaJSNumberOfRetriesExceeded: Connection error', {}, 'Consumer'))).toBe('error');
    expect(kafkaLogLevel(entry(1, 'Response SaslAuthenticate(key: 36, version: 2)', { error: 'Authentication failed' }))).toBe('error');
    expect(kafkaLogLevel(entry(2, 'Consumer group received unsubscribed topics', {}, 'ConsumerGroup'))).toBe('warn');
  });

  it('prints one line, not the client JSON: namespace, message and the fields worth reading', () => {
    const line = formatKafkaLog(entry(1, 'Response Metadata(key: 3, version: 6)', { broker: '127.0.0.1:9092', clientId: 'vigil', error: 'boom', correlationId: 4, size: 10, stack: 'at x' }));
    expect(line).toBe('[Connection] Response Metadata(key: 3, version: 6) (broker=127.0.0.1:9092, error=boom)');
    expect(line).not.toMatch(/[{}]"/);
  });
});
