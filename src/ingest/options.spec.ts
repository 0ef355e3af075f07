import { describe, expect, it } from 'vitest';
import { loadIngestOptions } from './options.js';

describe('ingest options from the environment', () => {
  it('has defaults that take the Collector kafka exporter topics and no auth', () => {
    const o = loadIngestOptions({});
    expect(o.entityLabels).toEqual(['instance', 'service.name', 'host.name']);
    expect(o.kafkaTopics).toEqual({ metrics: 'otlp_metrics', logs: 'otlp_logs' });
    expect(o.tokens.size).toBe(0);
    expect([o.rateLimit, o.counterRates, o.kafkaInput, o.sendTimeoutMs]).toEqual([0, false, true, 10_000]);
    expect(o.maxDecodedBytes).toBe(8 * o.maxBodyBytes);
  });

  it('reads lists, tokens and limits, and names the variable that is wrong', () => {
    const o = loadIngestOptions({ INGEST_ENTITY_LABELS: ' pod , node ', INGEST_TOKENS: 'a=x,b=y', INGEST_RATE_LIMIT: '500' });
    expect(o.entityLabels).toEqual(['pod', 'node']);
    expect([...o.tokens]).toEqual([['x', 'a'], ['y', 'b']]);
    expect([o.rateLimit, o.rateBurst]).toEqual([500, 500]);
    expect(() => loadIngestOptions({ INGEST_RATE_LIMIT: 'fast' })).toThrow('INGEST_RATE_LIMIT must be a number >= 0, not "fast"');
    expect(() => loadIngestOptions({ INGEST_COUNTER_RATES: 'yes' })).toThrow('INGEST_COUNTER_RATES must be true or false, not "yes"');
    expect(() => loadIngestOptions({ INGEST_TOKENS: 'a=' })).toThrow('INGEST_TOKENS: entry "a=" has an empty token');
  });
});
