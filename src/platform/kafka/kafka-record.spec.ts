import type kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaRecord } from './kafka-record.js';

const message = (headers: kafkajs.IHeaders): kafkajs.KafkaMessage =>
  ({ key: Buffer.from('k'), value: Buffer.from('{}'), timestamp: '1700000000000', attributes: 0, offset: '42', headers }) as kafkajs.KafkaMessage;

describe('KafkaRecord', () => {
  it('gives one header without converting the rest, and all of them as strings when asked', () => {
    const headers: kafkajs.IHeaders = { traceparent: Buffer.from('00-ab-cd-01'), 'vigil-id': Buffer.from('id-1'), many: [Buffer.from('first'), Buffer.from('second')] };
    const r = new KafkaRecord('t', 3, message(headers));
    expect([r.topic, r.partition, r.offset, r.timestamp, r.key?.toString()]).toEqual(['t', 3, '42', 1_700_000_000_000, 'k']);
    expect(r.header('traceparent')).toBe('00-ab-cd-01');
    expect(r.header('absent')).toBeUndefined();
    expect(r.headers).toEqual({ traceparent: '00-ab-cd-01', 'vigil-id': 'id-1', many: 'first' });
    // Converted once: later reads see the same object.
    expect(r.headers).toBe(r.headers);
    expect(r.header('vigil-id')).toBe('id-1');
  });
});
