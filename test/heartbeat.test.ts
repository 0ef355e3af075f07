import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaBus } from '../src/platform/kafka/kafka-bus.js';
import { StageRunner } from '../src/platform/stage/stage-runner.js';
import { topicSpecs } from '../src/platform/streams/catalogue.js';
import { SchemaRegistry } from '../src/platform/streams/validator.js';
import { kafkaBus } from './support/kafka.js';
import { testCatalogue } from './support/test-catalogue.js';
import { until } from './support/until.js';

describe('a batch that takes longer than the session timeout', () => {
  const { catalogue, names } = testCatalogue({ in: { schema: 'telemetry.metrics', partitions: 1 } });
  let bus: KafkaBus;
  beforeAll(async () => {
    // The broker evicts a member silent for 6 s (its minimum session timeout).
    bus = kafkaBus({ sessionTimeoutMs: 6000 });
    await bus.connect();
    await bus.applyTopics(topicSpecs(catalogue));
  });
  afterAll(async () => bus.disconnect());

  it('keeps the member in its group by heartbeating, so the batch is processed and committed once', async () => {
    await bus.send([{ topic: names.in!, key: 'h', value: JSON.stringify({ entity: 'h', metric: 'm', timestamp: 1, value: 1 }) }]);
    let calls = 0;
    const runner = new StageRunner(bus, catalogue, new SchemaRegistry(catalogue), {
      service: 'heartbeat-test',
      topics: [names.in!],
      handle: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 10_000));
        return [];
      },
    });
    await runner.start();
    await until(() => calls > 0, 30_000, 'the batch');
    await new Promise((r) => setTimeout(r, 14_000));
    await runner.stop();
    expect(calls).toBe(1);
    expect(runner.crashed).toBeUndefined();
  });
});
