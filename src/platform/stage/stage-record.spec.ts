import { ROOT_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { StageRecord } from './stage-record.js';

const fetched = () => ({ topic: 't', partition: 2, offset: '7', key: Buffer.from('host-1'), value: Buffer.from('{}'), headers: { 'vigil-id': 'x' }, timestamp: 5 });

describe('StageRecord', () => {
  it('reads key and headers from the fetched record when asked, and keeps what was read after its batch', () => {
    const r = new StageRecord(fetched(), { a: 1 }, ROOT_CONTEXT, false);
    expect(r.key).toBe('host-1');
    expect(r.headers).toEqual({ 'vigil-id': 'x' });
    r.detach();
    expect([r.topic, r.partition, r.offset, r.timestamp, r.key, r.headers['vigil-id']]).toEqual(['t', 2, '7', 5, 'host-1', 'x']);
  });

  it('lets go of the fetched record after its batch: a key first read then is an error that says so', () => {
    const r = new StageRecord(fetched(), { a: 1 }, ROOT_CONTEXT, false);
    r.detach();
    expect(r.value).toEqual({ a: 1 });
    expect(() => r.key).toThrow(/t\/2@7: its key was not read during its batch/);
    expect(() => r.headers).toThrow(/its headers were not read during its batch/);
  });
});
