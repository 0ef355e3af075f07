/**
 * Request bodies as real senders make them, for the ingest tests and benchmark: remote_write
 * built from the public Prometheus schema (src/ingest/proto/prometheus/remote.proto) and
 * snappy-compressed as Prometheus does; OTLP made by the OpenTelemetry JS SDK and serialised
 * by its own OTLP transformer (JSON and protobuf), independent of the gateway's .proto files.
 */
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, JsonMetricsSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { compressSync } from 'snappy';
import { TYPES, encodeProto } from '../src/ingest/proto-root.js';

export interface Series {
  labels: Record<string, string>;
  samples: Array<[timestamp: number, value: number]>;
}

/** A WriteRequest as Prometheus sends it: labels sorted by name, snappy block-compressed. */
export function remoteWriteBody(series: Series[], metadata: Array<{ type: number; metricFamilyName: string }> = []): Buffer {
  const timeseries = series.map((s) => ({
    labels: Object.keys(s.labels).sort().map((name) => ({ name, value: s.labels[name]! })),
    samples: s.samples.map(([timestamp, value]) => ({ timestamp, value })),
  }));
  return compressSync(Buffer.from(encodeProto(TYPES.writeRequest, { timeseries, metadata })));
}

/** The headers Prometheus' remote_write sets. */
export const REMOTE_WRITE_HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
  'user-agent': 'Prometheus/3.5.0',
};

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/**
 * One collection from the SDK: a gauge, a monotonic counter and a histogram, from a resource
 * whose service.name is `service`; `requests` requests of 5, 20 and 300 ms.
 */
export async function sdkMetrics(service: string, requests: number): Promise<ResourceMetrics> {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': service, 'host.name': `${service}-host` }), readers: [reader] });
  const meter = provider.getMeter('ingest-test', '1.0.0');
  const temperature = meter.createGauge('room.temperature', { unit: 'Cel' });
  const counter = meter.createCounter('http.server.requests');
  const histogram = meter.createHistogram('http.server.duration', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100] } });
  temperature.record(21.5, { room: 'lab' });
  for (let i = 0; i < requests; i++) {
    counter.add(1, { route: '/pay' });
    histogram.record([5, 20, 300][i % 3]!, { route: '/pay' });
  }
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

export const otlpMetricsJson = (rm: ResourceMetrics): Buffer => Buffer.from(JsonMetricsSerializer.serializeRequest(rm)!);
export const otlpMetricsProto = (rm: ResourceMetrics): Buffer => Buffer.from(ProtobufMetricsSerializer.serializeRequest(rm)!);

export const TRACE_ID = '5b8efff798038103d269b633813fc60c';
export const SPAN_ID = 'eee19b7ec3c1b174';

/** Log records from the SDK: an ERROR with a trace context and attributes, and an INFO with a map body. */
export async function sdkLogs(service: string) {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': service }), processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('ingest-test');
  const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED });
  logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'payment failed', attributes: { 'order.id': 'o-1', attempt: 2 }, context: ctx, timestamp: 1_700_000_000_123 });
  logger.emit({ severityNumber: SeverityNumber.INFO, body: { event: 'retry', ok: true } as never, timestamp: 1_700_000_000_456 });
  await provider.forceFlush();
  const records = exporter.getFinishedLogRecords();
  await provider.shutdown();
  return records;
}

export const otlpLogsJson = (records: Awaited<ReturnType<typeof sdkLogs>>): Buffer => Buffer.from(JsonLogsSerializer.serializeRequest(records)!);
export const otlpLogsProto = (records: Awaited<ReturnType<typeof sdkLogs>>): Buffer => Buffer.from(ProtobufLogsSerializer.serializeRequest(records)!);
