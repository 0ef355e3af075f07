import { randomBytes } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory-bus.js';
import type { BusRecord } from '../bus/types.js';
import { topicSpecs } from '../streams/catalogue.js';
import { setupTracing, shutdownTracing } from '../tracing/tracing.js';
import { StageRunner } from './stage-runner.js';
import { catalogue, schemas } from '../../../test/support/stage-catalogue.js';
import { until } from '../../../test/support/until.js';

const traceparent = (flags: '00' | '01') => `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-${flags}`;

/**
 * `count` records (values 0 to count-1) in one batch, `traced` giving some a traceparent, through
 * a stage that forwards each to `out`; the outputs by value.
 */
async function pass(count: number, traced: Record<number, string>): Promise<Map<number, BusRecord>> {
  const bus = new MemoryBus({ maxBatch: count });
  await bus.applyTopics(topicSpecs(catalogue));
  await bus.send(
    Array.from({ length: count }, (_, v) => ({
      topic: 'in',
      key: 'h',
      value: JSON.stringify({ entity: 'h', metric: 'm', timestamp: v, value: v }),
      ...(traced[v] ? { headers: { traceparent: traced[v] } } : {}),
    })),
  );
  const runner = new StageRunner<{ value: number }>(bus, catalogue, schemas, {
    service: `spec-${Math.random()}`,
    topics: ['in'],
    handle: async (rs) => rs.map((r) => ({ topic: 'out', key: r.key, id: `o-${r.offset}`, value: r.value, source: r })),
  });
  await runner.start();
  await until(() => bus.read('out', 0, 0, count + 1).length === count, 30_000, `${count} outputs`);
  await runner.stop();
  return new Map(bus.read('out', 0, 0, count + 1).map((r) => [JSON.parse(r.value!.toString()).value as number, r]));
}

/** Three records: one from a sampled trace, one from an unsampled one, one untraced. */
async function threeRecords(): Promise<{ sampled: string; outputs: Map<number, BusRecord> }> {
  const sampled = traceparent('01');
  return { sampled, outputs: await pass(3, { 0: sampled, 1: traceparent('00') }) };
}

/**
 * 700 records in one batch (past the handler's first slice of 512), from a sampled trace at 100
 * and another at 600: each must follow its own record into its slice.
 */
async function pastFirstSlice(): Promise<{ traced: Record<number, string>; outputs: Map<number, BusRecord> }> {
  const traced: Record<number, string> = { 100: traceparent('01'), 600: traceparent('01') };
  return { traced, outputs: await pass(700, traced) };
}

describe('StageRunner and trace context', () => {
  afterEach(() => shutdownTracing());

  it('without an exporter carries on only a sampled trace: the other outputs get no traceparent', async () => {
    setupTracing('spec');
    const { sampled, outputs } = await threeRecords();
    const carried = outputs.get(0)!.headers.traceparent;
    // Same trace, a span of this stage in between: the trace runs through.
    expect(carried?.split('-')[1]).toBe(sampled.split('-')[1]);
    expect(carried?.split('-')[2]).not.toBe(sampled.split('-')[2]);
    expect(carried?.endsWith('-01')).toBe(true);
    expect(outputs.get(1)!.headers.traceparent).toBeUndefined();
    expect(outputs.get(2)!.headers.traceparent).toBeUndefined();
  });

  it('with an exporter makes the batch span, linked to the inputs, and still gives untraced inputs untraced outputs', async () => {
    const exporter = new InMemorySpanExporter();
    setupTracing('spec', [new SimpleSpanProcessor(exporter)]);
    const { sampled, outputs } = await threeRecords();
    const spans = exporter.getFinishedSpans();
    const batch = spans.find((s) => s.name === 'process in' && s.attributes['messaging.batch.message_count'] === 3);
    expect(batch?.links).toHaveLength(2);
    expect(spans.find((s) => s.name === 'process in' && s.parentSpanContext?.spanId === sampled.split('-')[2])).toBeDefined();
    expect(spans.find((s) => s.name === 'send out')).toBeDefined();
    expect(outputs.get(0)!.headers.traceparent?.split('-')[1]).toBe(sampled.split('-')[1]);
    expect(outputs.get(1)!.headers.traceparent).toBeUndefined();
    expect(outputs.get(2)!.headers.traceparent).toBeUndefined();
  });

  it('follows each sampled trace into its own slice of the batch, and no other record takes one', async () => {
    setupTracing('spec');
    const { traced, outputs } = await pastFirstSlice();
    const traceOf = (v: number) => outputs.get(v)!.headers.traceparent?.split('-')[1];
    for (const v of [100, 600]) expect(traceOf(v)).toBe(traced[v]!.split('-')[1]);
    expect([...outputs].filter(([, r]) => r.headers.traceparent !== undefined).map(([v]) => v)).toEqual([100, 600]);
  });
});
