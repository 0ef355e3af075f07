import { SpanKind, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/platform/bus/types.js';
import { StageRunner } from '../src/platform/stage/stage-runner.js';
import { topicSpecs } from '../src/platform/streams/catalogue.js';
import { SchemaRegistry } from '../src/platform/streams/validator.js';
import { injectContext } from '../src/platform/tracing/propagator.js';
import { setupTracing, shutdownTracing, tracer } from '../src/platform/tracing/tracing.js';
import { kafkaBus } from './support/kafka.js';
import { readAll } from './support/read-all.js';
import { testCatalogue } from './support/test-catalogue.js';

describe('trace context across Kafka', () => {
  const exporter = new InMemorySpanExporter();
  const { catalogue, names } = testCatalogue({
    in: { schema: 'telemetry.metrics', partitions: 1 },
    out: { schema: 'telemetry.metrics', partitions: 1, dlq: false },
  });
  let bus: Bus;

  beforeAll(async () => {
    setupTracing('trace-test', [new SimpleSpanProcessor(exporter)]);
    bus = kafkaBus();
    await bus.connect();
    await bus.applyTopics(topicSpecs(catalogue));
  });
  afterAll(async () => {
    await bus.disconnect();
    await shutdownTracing();
  });

  it('continues the producer trace in the consumer and into its outputs, with messaging attributes', async () => {
    const root = tracer().startSpan('ingest request');
    const headers = injectContext(trace.setSpan(context.active(), root), {});
    root.end();
    const traceId = root.spanContext().traceId;
    await bus.send([
      { topic: names.in!, key: 'h', value: JSON.stringify({ entity: 'h', metric: 'm', timestamp: 1, value: 1 }), headers },
      { topic: names.in!, key: 'h', value: JSON.stringify({ entity: 'h', metric: 'm', timestamp: 2, value: 2 }) },
    ]);
    const runner = new StageRunner<object>(bus, catalogue, new SchemaRegistry(catalogue), {
      service: 'trace-test',
      topics: [names.in!],
      handle: async (rs) => rs.map((r) => ({ topic: names.out!, key: r.key, id: r.offset, value: r.value, source: r })),
    });
    await runner.start();
    const out = await readAll(bus, names.out!, 2, 60_000);
    await runner.stop();

    const traced = out.find((r) => r.headers['vigil-id'] === '0')!;
    expect(traced.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const spans = exporter.getFinishedSpans();
    const processSpan = spans.find((s) => s.name === `process ${names.in}` && s.spanContext().traceId === traceId)!;
    expect(processSpan).toBeDefined();
    expect(processSpan.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(processSpan.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': names.in,
      'messaging.consumer.group.name': 'vigil-trace-test',
      'messaging.kafka.offset': 0,
    });
    // The output's parent is the consumer's process span: the trace runs through the service.
    expect(traced.headers.traceparent!.split('-')[2]).toBe(processSpan.spanContext().spanId);
    const batchSpan = spans.find((s) => s.name === `process ${names.in}` && s.attributes['messaging.batch.message_count'] === 2)!;
    expect(batchSpan.links.map((l) => l.context.traceId)).toEqual([traceId]);
    expect(processSpan.attributes['messaging.kafka.message.key']).toBe('h');
    // The append of the outputs: a producer span, child of the batch span, linked to the
    // context each output carries (the traced record's process span among them).
    const send = spans.find((s) => s.name === `send ${names.out}`)!;
    expect(send).toBeDefined();
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.parentSpanContext?.spanId).toBe(batchSpan.spanContext().spanId);
    expect(send.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': names.out,
      'messaging.batch.message_count': 2,
    });
    expect(send.links.map((l) => l.context.spanId)).toContain(processSpan.spanContext().spanId);
  });
});
