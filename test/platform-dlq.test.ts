import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/platform/bus/types.js';
import { platformMetrics } from '../src/platform/metrics/registry.js';
import { DLQ_HEADERS } from '../src/platform/stage/dead-letter.js';
import { StageRunner } from '../src/platform/stage/stage-runner.js';
import { topicSpecs } from '../src/platform/streams/catalogue.js';
import { SchemaRegistry } from '../src/platform/streams/validator.js';
import { kafkaBus } from './support/kafka.js';
import { readAll } from './support/read-all.js';
import { testCatalogue } from './support/test-catalogue.js';

describe('dead letters through a real broker', () => {
  const { catalogue, names } = testCatalogue({
    in: { schema: 'telemetry.metrics', partitions: 1, maxMessageBytes: 2 * 1024 * 1024 },
    out: { schema: 'telemetry.metrics', partitions: 1, dlq: false },
  });
  let bus: Bus;

  beforeAll(async () => {
    bus = kafkaBus();
    await bus.connect();
    await bus.applyTopics(topicSpecs(catalogue));
  });
  afterAll(async () => bus.disconnect());

  it('sends malformed JSON, schema violations and an oversized record to <topic>.dlq and processes the records around them', async () => {
    const good = (v: number) => JSON.stringify({ entity: 'h1', metric: 'cpu', timestamp: 1_700_000_000_000 + v, value: v });
    const oversized = JSON.stringify({ entity: 'h1', metric: 'cpu', timestamp: 1, value: 1, labels: { big: 'x'.repeat(900) } }) + ' '.repeat(1_200_000);
    const inputs = [good(1), '{not json', good(2), JSON.stringify({ entity: 'h1', metric: 'cpu', value: 3 }), good(3), oversized, good(4), Buffer.from([0xff, 0xfe, 0x7b]), good(5)];
    await bus.send(inputs.map((value) => ({ topic: names.in!, key: 'h1', value })));

    const service = `dlq-test-${Date.now()}`;
    const runner = new StageRunner<{ entity: string; value: number }>(bus, catalogue, new SchemaRegistry(catalogue), {
      service,
      topics: [names.in!],
      handle: async (rs) => rs.map((r) => ({ topic: names.out!, key: r.key, id: `${r.offset}`, value: r.value })),
    });
    await runner.start();
    const out = await readAll(bus, names.out!, 5, 60_000);
    const dlq = await readAll(bus, names['in.dlq']!, 4, 60_000);
    await runner.stop();

    expect(out.map((r) => JSON.parse(r.value!.toString()).value)).toEqual([1, 2, 3, 4, 5]);
    const reasons = dlq.map((r) => [r.headers[DLQ_HEADERS.offset], r.headers[DLQ_HEADERS.reason]]);
    expect(reasons).toEqual([
      ['1', 'invalid_json'],
      ['3', 'schema'],
      ['5', 'oversize'],
      ['7', 'invalid_json'],
    ]);
    expect(dlq[1]!.headers[DLQ_HEADERS.error]).toBe("/: must have required property 'timestamp'");
    expect(dlq[2]!.value!.length).toBe(Buffer.byteLength(oversized));
    expect(dlq.every((r) => r.headers[DLQ_HEADERS.topic] === names.in && r.headers[DLQ_HEADERS.service] === service)).toBe(true);
    const counted = await platformMetrics.deadLettered.get();
    const mine = counted.values.filter((v) => v.labels.service === service);
    expect(mine.reduce((n, v) => n + v.value, 0)).toBe(4);
  });
});
