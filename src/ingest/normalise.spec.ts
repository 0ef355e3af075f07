import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../platform/streams/catalogue.js';
import { SchemaRegistry } from '../platform/streams/validator.js';
import { IngestService } from './ingest.service.js';
import { loadIngestOptions } from './options.js';
import { TYPES, encodeProto } from './proto-root.js';
import { decodeRemoteWrite } from './remote-write.js';
import { IngestError } from './types.js';
import { compressSync } from 'snappy';

const schemas = new SchemaRegistry(loadCatalogue());
const service = (env: Record<string, string> = {}) => new IngestService(loadIngestOptions(env), schemas);
const fails = (f: () => unknown): IngestError => {
  try {
    f();
  } catch (err) {
    if (err instanceof IngestError) return err;
    throw err;
  }
  throw new Error('did not throw');
};
const writeRequest = (timeseries: unknown[], metadata: unknown[] = []) => compressSync(Buffer.from(encodeProto(TYPES.writeRequest, { timeseries, metadata })));
const series = (labels: Record<string, string>, samples: Array<[number, number]>) => ({
  labels: Object.entries(labels).map(([name, value]) => ({ name, value })),
  samples: samples.map(([timestamp, value]) => ({ timestamp, value })),
});

describe('remote_write normalisation', () => {
  it('gives one record per sample, counters by name or metadata, entity from the first configured label present', () => {
    const s = service({ INGEST_ENTITY_LABELS: 'pod,instance' });
    const body = writeRequest(
      [
        series({ __name__: 'http_requests_total', instance: 'a:80', pod: 'web-0' }, [[1000, 1], [2000, 3]]),
        series({ __name__: 'queue_jobs', instance: 'b:80' }, [[1000, 5]]),
        series({ __name__: 'temp', instance: 'b:80' }, [[1000, 20]]),
      ],
      [{ type: 1, metricFamilyName: 'queue_jobs' }],
    );
    const n = s.remoteWrite(decodeRemoteWrite(body, 1e6), 'team');
    expect(n.records.map((r) => `${r.entity} ${r.metric} ${r.timestamp} ${r.value} ${r.kind} ${r.tenant}`)).toEqual([
      'web-0 http_requests_total 1000 1 counter team',
      'web-0 http_requests_total 2000 3 counter team',
      'b:80 queue_jobs 1000 5 counter team',
      'b:80 temp 1000 20 gauge team',
    ]);
    expect(n.records[0]!.labels).toEqual({ instance: 'a:80', pod: 'web-0' });
  });

  it('gives a retried request the same ids, and a different timestamp a different id', () => {
    const one = (t: number) => service().remoteWrite(decodeRemoteWrite(writeRequest([series({ __name__: 'up', instance: 'a' }, [[t, 1]])]), 1e6), 't').records[0]!.id;
    expect(one(1000)).toBe(one(1000));
    expect(one(1000)).not.toBe(one(2000));
  });

  it('drops non-finite values (staleness markers) and counts them', () => {
    const n = service().remoteWrite(decodeRemoteWrite(writeRequest([series({ __name__: 'up', instance: 'a' }, [[1000, 1], [2000, NaN], [3000, Infinity]])]), 1e6), 't');
    expect(n.records).toHaveLength(1);
    expect(n.dropped).toEqual({ non_finite: 2 });
  });

  it('refuses with the field: no name, no entity, a label the topic schema refuses, an oversized body', () => {
    const s = service();
    expect(fails(() => s.remoteWrite(decodeRemoteWrite(writeRequest([series({ instance: 'a' }, [[1, 1]])]), 1e6), 't')).message).toBe('timeseries[0].labels: no __name__ label');
    expect(fails(() => s.remoteWrite(decodeRemoteWrite(writeRequest([series({ __name__: 'x', job: 'j' }, [[1, 1]])]), 1e6), 't')).message).toBe(
      'timeseries[0] (x): no entity label; set one of the labels instance, service.name, host.name or INGEST_DEFAULT_ENTITY',
    );
    const long = fails(() => s.remoteWrite(decodeRemoteWrite(writeRequest([series({ __name__: 'x', instance: 'a', big: 'v'.repeat(2000) }, [[1, 1]])]), 1e6), 't'));
    expect([long.status, long.message]).toEqual([400, 'record 0 (x of a): /labels/big: must NOT have more than 1024 characters']);
    const big = writeRequest([series({ __name__: 'x', instance: 'a', pad: 'p'.repeat(900) }, [[1, 1]])]);
    expect(fails(() => decodeRemoteWrite(big, 500)).status).toBe(413);
  });
});

describe('OTLP metric normalisation', () => {
  const request = (metric: Record<string, unknown>) => ({
    resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeMetrics: [{ metrics: [{ name: 'm', ...metric }] }] }],
  });
  const point = { timeUnixNano: '1700000000000000000', attributes: [{ key: 'route', value: { stringValue: '/a' } }] };

  it('turns histograms into cumulative _bucket{le}, _count, _sum; delta temporality makes gauges', () => {
    const n = service().otlpMetrics(request({ histogram: { aggregationTemporality: 1, dataPoints: [{ ...point, count: '6', sum: 60, bucketCounts: ['1', '2', '3'], explicitBounds: [1, 10] }] } }), undefined);
    expect(n.records.map((r) => `${r.metric}${r.labels.le ? `{le=${r.labels.le}}` : ''} ${r.value} ${r.kind}`)).toEqual([
      'm_count 6 gauge',
      'm_sum 60 gauge',
      'm_bucket{le=1} 1 gauge',
      'm_bucket{le=10} 3 gauge',
      'm_bucket{le=+Inf} 6 gauge',
    ]);
    expect(n.records[0]).toMatchObject({ entity: 'checkout', timestamp: 1_700_000_000_000, labels: { 'service.name': 'checkout', route: '/a' } });
  });

  it('reads summaries, int values and monotonic cumulative sums as counters', () => {
    const s = service();
    const sum = s.otlpMetrics(request({ sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ ...point, asInt: '42' }] } }), undefined);
    expect(sum.records.map((r) => [r.value, r.kind])).toEqual([[42, 'counter']]);
    const summary = s.otlpMetrics(request({ summary: { dataPoints: [{ ...point, count: '2', sum: 3, quantileValues: [{ quantile: 0.5, value: 1.5 }] }] } }), undefined);
    expect(summary.records.map((r) => `${r.metric}${r.labels.quantile ? `{${r.labels.quantile}}` : ''} ${r.value}`)).toEqual(['m_count 2', 'm_sum 3', 'm{0.5} 1.5']);
  });

  it('names the field that is wrong', () => {
    const e = fails(() => service().otlpMetrics(request({ histogram: { dataPoints: [{ ...point, bucketCounts: ['1'], explicitBounds: [1, 2] }] } }), undefined));
    expect(e.message).toBe('resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0].bucketCounts: has 1 buckets for 2 explicitBounds (must be one more)');
    expect(fails(() => service().otlpMetrics({ resourceMetrics: {} }, undefined)).message).toBe('resourceMetrics: must be an array');
  });
});

describe('counters to rates (INGEST_COUNTER_RATES=true), the reset rule of Prometheus rate()', () => {
  it('reports the per-second increase, a drop as a reset counted from zero, and the first sample as baseline only', () => {
    const s = service({ INGEST_COUNTER_RATES: 'true' });
    const body = writeRequest([series({ __name__: 'req_total', instance: 'a' }, [[0, 100], [10_000, 150], [20_000, 20], [30_000, 50]])]);
    const n = s.remoteWrite(decodeRemoteWrite(body, 1e6), 't');
    expect(n.records.map((r) => [r.timestamp, r.value, r.kind])).toEqual([
      [10_000, 5, 'rate'],
      [20_000, 2, 'rate'],
      [30_000, 3, 'rate'],
    ]);
    expect(n.dropped).toEqual({ counter_start: 1 });
  });
});

describe('plain JSON', () => {
  it('reads one object, an array or NDJSON, and says which line is wrong', () => {
    const s = service();
    expect(s.jsonMetrics({ entity: 'e', metric: 'm', value: 1, timestamp: 5 }, 't', 'h').records).toHaveLength(1);
    expect(s.jsonMetrics([{ entity: 'e', metric: 'm', value: 1 }, { entity: 'f', metric: 'm', value: 2 }], 't', 'h').records).toHaveLength(2);
    expect(fails(() => s.jsonMetrics('{"entity":"e","metric":"m","value":1}\n{"entity":"e","metric":"m","valu":1}', 't', 'h')).message).toBe(
      'line 2: valu: unknown field (known: id, entity, metric, labels, timestamp, value, kind)',
    );
    expect(fails(() => s.jsonLogs('{"entity":"e","message":"x","trace_id":"abc"}', 't', 'h')).message).toBe('line 1: trace_id: must be 32 hex digits, not "abc"');
  });
});
