import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPES, decodeProto } from '../src/ingest/proto-root.js';
import type { LogEntry, MetricSample } from '../src/ingest/types.js';
import type { BusRecord } from '../src/platform/bus/types.js';
import { freePorts } from '../src/platform/kafka/local-broker.js';
import { samplesOf, type MetricRecordValue } from '../src/platform/series/metric-sample.js';
import type { Bus } from '../src/platform/bus/types.js';
import { DLQ_HEADERS } from '../src/platform/stage/dead-letter.js';
import { loadCatalogue, topicSpecs } from '../src/platform/streams/catalogue.js';
import {
  REMOTE_WRITE_HEADERS,
  SPAN_ID,
  TRACE_ID,
  otlpLogsJson,
  otlpLogsProto,
  otlpMetricsJson,
  otlpMetricsProto,
  remoteWriteBody,
  sdkLogs,
  sdkMetrics,
} from './ingest-payloads.js';
import { brokers, kafkaBus } from './support/kafka.js';
import { readAll } from './support/read-all.js';
import { VigilProcess } from './support/vigil-process.js';

const metric = (text: string, line: string) => Number(new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('ingest gateway (vigil start ingest) on a real broker', () => {
  const run = `ig${Date.now().toString(36)}`;
  const kafkaTopics = { metrics: `${run}.otlp_metrics`, logs: `${run}.otlp_logs` };
  let bus: Bus;
  let vigil: VigilProcess;
  let base: string;

  const post = async (path: string, body: string | Buffer, headers: Record<string, string>, token = 'secret-a') => {
    const res = await fetch(`${base}${path}`, { method: 'POST', body, headers: { authorization: `Bearer ${token}`, ...headers } });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  /**
   * Values of this run on a topic, decoded, by their content, once at least `atLeast` match: on
   * telemetry.metrics each sample of a record (one sample, or an entity's batch of them).
   */
  const records = async <T>(topic: string, atLeast: number, match: (v: T) => boolean): Promise<Array<{ value: T; record: BusRecord }>> => {
    const decode = (record: BusRecord) => {
      const value = JSON.parse(record.value!.toString()) as MetricRecordValue;
      return (topic === 'telemetry.metrics' ? samplesOf(value) : [value]).map((v) => ({ record, value: v as T }));
    };
    const matching = (got: BusRecord[]) => got.flatMap(decode).filter((r) => match(r.value));
    return matching(await readAll(bus, topic, (got) => matching(got).length >= atLeast, 60_000));
  };

  beforeAll(async () => {
    bus = kafkaBus();
    await bus.connect();
    await bus.applyTopics(topicSpecs(loadCatalogue()));
    const [port] = await freePorts(1);
    base = `http://127.0.0.1:${port}`;
    vigil = new VigilProcess(['start', 'ingest', '--port', String(port)], {
      KAFKA_BROKERS: brokers(),
      VIGIL_GROUP_PREFIX: run,
      INGEST_TOKENS: 'team-a=secret-a,team-b=secret-b',
      INGEST_RATE_LIMIT: '2000',
      INGEST_MAX_BODY_BYTES: String(256 * 1024),
      INGEST_KAFKA_METRICS_TOPIC: kafkaTopics.metrics,
      INGEST_KAFKA_LOGS_TOPIC: kafkaTopics.logs,
    });
    await vigil.until(async () => (await fetch(`${base}/health/ready`).catch(() => undefined))?.ok === true, 120_000, 'vigil start ingest to be ready');
  });
  afterAll(async () => {
    await vigil?.stop();
    await bus?.disconnect();
  });

  it('takes a Prometheus remote_write request and writes one record per entity holding its samples, keyed by entity', async () => {
    const t0 = 1_700_000_000_000;
    const body = remoteWriteBody([
      { labels: { __name__: `${run}_cpu_seconds_total`, instance: `${run}-node-1:9100`, job: 'node', mode: 'idle' }, samples: [[t0, 10], [t0 + 15_000, 25]] },
      // NaN is also Prometheus' staleness marker: it cannot travel as JSON and is counted, not written.
      { labels: { __name__: `${run}_memory_bytes`, instance: `${run}-node-2:9100`, job: 'node' }, samples: [[t0, 1024], [t0 + 15_000, NaN]] },
    ]);
    const res = await post('/api/v1/write', body, REMOTE_WRITE_HEADERS);
    expect(res.status, res.text).toBe(204);

    const got = await records<MetricSample>('telemetry.metrics', 3, (v) => v.metric?.startsWith(run));
    const byValue = got.map((g) => g.value).sort((a, b) => a.metric.localeCompare(b.metric) || a.timestamp - b.timestamp);
    expect(byValue.map(({ id: _id, ...rest }) => rest)).toEqual([
      { tenant: 'team-a', entity: `${run}-node-1:9100`, metric: `${run}_cpu_seconds_total`, labels: { instance: `${run}-node-1:9100`, job: 'node', mode: 'idle' }, timestamp: t0, value: 10, kind: 'counter' },
      { tenant: 'team-a', entity: `${run}-node-1:9100`, metric: `${run}_cpu_seconds_total`, labels: { instance: `${run}-node-1:9100`, job: 'node', mode: 'idle' }, timestamp: t0 + 15_000, value: 25, kind: 'counter' },
      { tenant: 'team-a', entity: `${run}-node-2:9100`, metric: `${run}_memory_bytes`, labels: { instance: `${run}-node-2:9100`, job: 'node' }, timestamp: t0, value: 1024, kind: 'gauge' },
    ]);
    // One record per entity of the request, keyed by it, holding its samples; its id in vigil-id.
    const written = [...new Set(got.map((g) => g.record))];
    expect(written).toHaveLength(2);
    for (const { record, value } of got) expect(record.key?.toString()).toBe(value.entity);
    for (const record of written) expect(record.headers['vigil-id']).toBe(JSON.parse(record.value!.toString()).id);
    expect(new Set(written.map((r) => r.headers['vigil-id'])).size).toBe(2);

    const bad = await post('/api/v1/write', remoteWriteBody([{ labels: { instance: 'x:1' }, samples: [[t0, 1]] }]), REMOTE_WRITE_HEADERS);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toEqual({ error: 'timeseries[0].labels: no __name__ label', reason: 'invalid' });
    const v2 = await post('/api/v1/write', body, { ...REMOTE_WRITE_HEADERS, 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' });
    expect(v2.status).toBe(415);
    const notSnappy = await post('/api/v1/write', Buffer.from('plain bytes'), REMOTE_WRITE_HEADERS);
    expect(notSnappy.status).toBe(400);
    expect(JSON.parse(notSnappy.text).error).toMatch(/^body: not snappy/);
  });

  it('takes OTLP/HTTP metrics as JSON and as protobuf (made by the OpenTelemetry SDK) and normalises both alike', async () => {
    const before = Date.now();
    const json = await post('/v1/metrics', otlpMetricsJson(await sdkMetrics(`${run}-json`, 3)), { 'content-type': 'application/json' });
    const proto = await post('/v1/metrics', otlpMetricsProto(await sdkMetrics(`${run}-proto`, 3)), { 'content-type': 'application/x-protobuf' });
    const after = Date.now();
    expect([json.status, proto.status], json.text + proto.text).toEqual([200, 200]);
    expect(JSON.parse(json.text)).toEqual({});
    expect(proto.headers.get('content-type')).toBe('application/x-protobuf');

    const got = await records<MetricSample>('telemetry.metrics', 14, (v) => v.entity === `${run}-json` || v.entity === `${run}-proto`);
    const shape = (entity: string) =>
      got
        .filter((g) => g.value.entity === entity)
        .map(({ value: v }) => {
          expect(v.labels['service.name']).toBe(entity);
          expect(v.labels['host.name']).toBe(`${entity}-host`);
          // The SDK's collection time, in ms (not ns): between the calls, give or take its clock's
          // drift from the wall clock (it counts from process start on a monotonic clock).
          expect(v.timestamp).toBeGreaterThanOrEqual(before - 60_000);
          expect(v.timestamp).toBeLessThanOrEqual(after + 60_000);
          const { 'service.name': _s, 'host.name': _h, ...labels } = v.labels;
          return `${v.metric}${JSON.stringify(labels)} ${v.kind} ${v.value}`;
        })
        .sort();
    expect(shape(`${run}-json`)).toEqual([
      'http.server.duration_bucket{"route":"/pay","le":"+Inf"} counter 3',
      'http.server.duration_bucket{"route":"/pay","le":"10"} counter 1',
      'http.server.duration_bucket{"route":"/pay","le":"100"} counter 2',
      'http.server.duration_count{"route":"/pay"} counter 3',
      'http.server.duration_sum{"route":"/pay"} counter 325',
      'http.server.requests{"route":"/pay"} counter 3',
      'room.temperature{"room":"lab"} gauge 21.5',
    ]);
    expect(shape(`${run}-proto`)).toEqual(shape(`${run}-json`));
  });

  it('takes OTLP/HTTP logs as JSON, protobuf and gzipped protobuf: level, message, attributes, entity and trace ids kept', async () => {
    const json = await post('/v1/logs', otlpLogsJson(await sdkLogs(`${run}-logs-json`)), { 'content-type': 'application/json' });
    const proto = await post('/v1/logs', otlpLogsProto(await sdkLogs(`${run}-logs-proto`)), { 'content-type': 'application/x-protobuf' });
    // gzip is the otlphttp exporter's default compression.
    const gzipped = await post('/v1/logs', gzipSync(otlpLogsProto(await sdkLogs(`${run}-logs-gzip`))), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect([json.status, proto.status, gzipped.status], json.text + proto.text + gzipped.text).toEqual([200, 200, 200]);
    const got = await records<LogEntry>('telemetry.logs', 6, (v) => v.entity?.startsWith(`${run}-logs-`));
    for (const entity of [`${run}-logs-json`, `${run}-logs-proto`, `${run}-logs-gzip`]) {
      const mine = got.filter((g) => g.value.entity === entity).map(({ value: { id: _id, ...rest } }) => rest).sort((a, b) => a.timestamp - b.timestamp);
      expect(mine).toEqual([
        { tenant: 'team-a', entity, timestamp: 1_700_000_000_123, level: 'ERROR', message: 'payment failed', attributes: { 'service.name': entity, 'order.id': 'o-1', attempt: 2 }, trace_id: TRACE_ID, span_id: SPAN_ID },
        { tenant: 'team-a', entity, timestamp: 1_700_000_000_456, level: 'INFO', message: '{"event":"retry","ok":true}', attributes: { 'service.name': entity } },
      ]);
    }
  });

  it('takes plain JSON: one sample, an array, NDJSON lines; the same for log records', async () => {
    const one = await post('/ingest/v1/metrics', JSON.stringify({ entity: `${run}-j1`, metric: 'queue.depth', value: 7, timestamp: 1_700_000_000_000 }), { 'content-type': 'application/json' });
    const many = await post('/ingest/v1/metrics', JSON.stringify([
      { metric: 'queue.depth', value: 8, timestamp: 1_700_000_001_000, labels: { instance: `${run}-j2`, queue: 'a' } },
      { metric: 'jobs_total', value: 100, timestamp: '2023-11-14T22:13:21Z', labels: { instance: `${run}-j2` }, kind: 'counter' },
    ]), { 'content-type': 'application/json' });
    const ndjson = await post('/ingest/v1/logs', [
      JSON.stringify({ entity: `${run}-j3`, timestamp: 1_700_000_000_000, level: 'WARN', message: 'disk 91% full', attributes: { disk: '/dev/sda1' } }),
      '',
      JSON.stringify({ message: 'login', attributes: { 'service.name': `${run}-j3` }, trace_id: TRACE_ID.toUpperCase(), timestamp: 1_700_000_000_001 }),
    ].join('\n'), { 'content-type': 'application/x-ndjson' });
    expect([one.status, many.status, ndjson.status], one.text + many.text + ndjson.text).toEqual([200, 200, 200]);
    expect(JSON.parse(many.text)).toEqual({ accepted: 2, dropped: {} });

    const samples = (await records<MetricSample>('telemetry.metrics', 3, (v) => [`${run}-j1`, `${run}-j2`].includes(v.entity))).map((g) => g.value);
    expect(samples.map((s) => `${s.entity} ${s.metric} ${s.timestamp} ${s.value} ${s.kind}`).sort()).toEqual([
      `${run}-j1 queue.depth 1700000000000 7 gauge`,
      `${run}-j2 jobs_total 1700000001000 100 counter`,
      `${run}-j2 queue.depth 1700000001000 8 gauge`,
    ]);
    const logs = (await records<LogEntry>('telemetry.logs', 2, (v) => v.entity === `${run}-j3`)).map((g) => g.value);
    expect(logs.map(({ id: _id, ...rest }) => rest).sort((a, b) => a.timestamp - b.timestamp)).toEqual([
      { tenant: 'team-a', entity: `${run}-j3`, timestamp: 1_700_000_000_000, level: 'WARN', message: 'disk 91% full', attributes: { disk: '/dev/sda1' } },
      { tenant: 'team-a', entity: `${run}-j3`, timestamp: 1_700_000_000_001, message: 'login', attributes: { 'service.name': `${run}-j3` }, trace_id: TRACE_ID },
    ]);
  });

  it('refuses with the right status: 400 naming the field, 401, 403, 413, 429 with Retry-After', async () => {
    const json = { 'content-type': 'application/json' };
    const wrongValue = await post('/ingest/v1/metrics', JSON.stringify([{ entity: 'e', metric: 'm', value: 1 }, { entity: 'e', metric: 'm', value: 'high' }]), json);
    expect(wrongValue.status).toBe(400);
    expect(JSON.parse(wrongValue.text).error).toBe('[1].value: required, a finite number');
    const noEntity = await post('/ingest/v1/metrics', JSON.stringify({ metric: 'm', value: 1, labels: { pod: 'p' } }), json);
    expect(JSON.parse(noEntity.text).error).toBe('body.entity: required (or one of the labels instance, service.name, host.name in labels)');
    const otlp = await post('/v1/metrics', JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'x', gauge: { dataPoints: [{ asDouble: 1 }] } }] }] }] }), json);
    expect(otlp.status).toBe(400);
    // OTLP routes answer with a google.rpc.Status (code 3: INVALID_ARGUMENT), in the request's encoding.
    expect(JSON.parse(otlp.text)).toEqual({ code: 3, message: 'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].timeUnixNano: required' });
    const otlpProto = await fetch(`${base}/v1/logs`, { method: 'POST', body: Buffer.from([0xff, 0xff]), headers: { authorization: 'Bearer secret-a', 'content-type': 'application/x-protobuf' } });
    expect(otlpProto.status).toBe(400);
    expect(otlpProto.headers.get('content-type')).toBe('application/x-protobuf');
    expect(decodeProto(TYPES.status, Buffer.from(await otlpProto.arrayBuffer()))).toMatchObject({ code: 3, message: expect.stringMatching(/^body: not a ExportLogsServiceRequest/) });

    const sample = JSON.stringify({ entity: 'e', metric: 'm', value: 1 });
    const none = await fetch(`${base}/ingest/v1/metrics`, { method: 'POST', body: sample, headers: json });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await post('/ingest/v1/metrics', sample, json, 'guess')).status).toBe(403);

    const big = await post('/ingest/v1/metrics', JSON.stringify(Array.from({ length: 12_000 }, (_, i) => ({ entity: 'e', metric: 'm', value: i }))), json);
    expect(big.status).toBe(413);

    // team-b may send 2,000 samples/s: a 10,000-sample batch passes once (the bucket goes 8,000
    // into debt, paid back over 4 s), the next one within those seconds waits.
    const batch = remoteWriteBody([{ labels: { __name__: 'm', instance: `${run}-rl` }, samples: Array.from({ length: 10_000 }, (_, i) => [1_700_000_000_000 + i, i] as [number, number]) }]);
    expect((await post('/api/v1/write', batch, REMOTE_WRITE_HEADERS, 'secret-b')).status).toBe(204);
    const limited = await post('/api/v1/write', batch, REMOTE_WRITE_HEADERS, 'secret-b');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(5);
    // Another tenant is not held back by team-b's traffic.
    expect((await post('/ingest/v1/metrics', JSON.stringify({ entity: `${run}-other`, metric: 'm', value: 1 }), json)).status).toBe(200);
  });

  it('reads what the Collector kafka exporter writes (OTLP/JSON per record) and dead-letters what it cannot read', async () => {
    const metricsJson = otlpMetricsJson(await sdkMetrics(`${run}-kx`, 2)).toString();
    const logsJson = otlpLogsJson(await sdkLogs(`${run}-kx-logs`)).toString();
    const noEntity = JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: 'service.namespace', value: { stringValue: run } }] }, scopeMetrics: [{ metrics: [{ name: 'x', gauge: { dataPoints: [{ timeUnixNano: '1700000000000000000', asDouble: 1 }] } }] }] }] });
    // The exporter's record: value = the export request as OTLP/JSON, no key by default.
    await bus.send([
      { topic: kafkaTopics.metrics, key: null, value: metricsJson },
      { topic: kafkaTopics.metrics, key: null, value: 'not json' },
      { topic: kafkaTopics.metrics, key: null, value: noEntity },
      { topic: kafkaTopics.logs, key: null, value: logsJson },
    ]);
    const samples = (await records<MetricSample>('telemetry.metrics', 7, (v) => v.entity === `${run}-kx`)).map((g) => g.value);
    expect(samples.map((s) => `${s.metric} ${s.value}`).sort()).toEqual([
      'http.server.duration_bucket 1',
      'http.server.duration_bucket 2',
      'http.server.duration_bucket 2',
      'http.server.duration_count 2',
      'http.server.duration_sum 25',
      'http.server.requests 2',
      'room.temperature 21.5',
    ]);
    expect(samples.every((s) => s.tenant === undefined)).toBe(true);
    const logs = (await records<LogEntry>('telemetry.logs', 2, (v) => v.entity === `${run}-kx-logs`)).map((g) => g.value);
    expect(logs.map((l) => `${l.level} ${l.message}`).sort()).toEqual(['ERROR payment failed', 'INFO {"event":"retry","ok":true}']);

    const dlq = await readAll(bus, `${kafkaTopics.metrics}.dlq`, 2, 60_000);
    expect(dlq.map((r) => r.headers[DLQ_HEADERS.reason]).sort()).toEqual(['invalid_json', 'rejected']);
    expect(dlq.find((r) => r.headers[DLQ_HEADERS.reason] === 'rejected')!.headers[DLQ_HEADERS.error]).toMatch(
      /^resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.gauge\.dataPoints\[0\]: no entity/,
    );
  });

  it('counts accepted and rejected samples by reason, request durations and bytes in', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(metric(text, 'vigil_ingest_samples_accepted_total{source="remote_write",signal="metrics"}')).toBeGreaterThanOrEqual(3);
    expect(metric(text, 'vigil_ingest_samples_accepted_total{source="otlp",signal="logs"}')).toBeGreaterThanOrEqual(6);
    expect(metric(text, 'vigil_ingest_samples_accepted_total{source="kafka",signal="metrics"}')).toBeGreaterThanOrEqual(7);
    expect(metric(text, 'vigil_ingest_samples_rejected_total{source="remote_write",signal="metrics",reason="non_finite"}')).toBe(1);
    expect(metric(text, 'vigil_ingest_samples_rejected_total{source="remote_write",signal="metrics",reason="rate_limited"}')).toBe(10_000);
    expect(metric(text, 'vigil_ingest_samples_rejected_total{source="kafka",signal="metrics",reason="invalid"}')).toBe(1);
    expect(metric(text, 'vigil_ingest_requests_total{source="json",code="413"}')).toBe(1);
    expect(metric(text, 'vigil_ingest_request_duration_seconds_count{source="remote_write",code="204"}')).toBe(2);
    expect(metric(text, 'vigil_ingest_received_bytes_total{source="remote_write"}')).toBeGreaterThan(50);
  });

  it('never writes a tenant token to its log, not even a wrong one it refused', () => {
    expect(vigil.output).toContain('ingest');
    expect(vigil.output).not.toMatch(/secret-[ab]|guess/);
  });
});
