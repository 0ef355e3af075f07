import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/platform/bus/types.js';
import { StageRunner } from '../src/platform/stage/stage-runner.js';
import { topicSpecs } from '../src/platform/streams/catalogue.js';
import { SchemaRegistry } from '../src/platform/streams/validator.js';
import { committedOffsets, kafkaBus } from './support/kafka.js';
import { testCatalogue } from './support/test-catalogue.js';
import { until } from './support/until.js';

/** The broker's minimum session timeout (group.min.session.timeout.ms). */
const SESSION_TIMEOUT_MS = 6000;

describe('a batch that takes longer than the session timeout', () => {
  const { catalogue, names } = testCatalogue({ in: { schema: 'telemetry.metrics', partitions: 1 } });
  let bus: Bus;
  beforeAll(async () => {
    // The broker evicts a member silent for 6 s (its minimum session timeout).
    bus = kafkaBus({ sessionTimeoutMs: SESSION_TIMEOUT_MS });
    await bus.connect();
    await bus.applyTopics(topicSpecs(catalogue));
  });
  afterAll(async () => bus.disconnect());

  it('keeps the member in its group by heartbeating, so the batch is processed and committed once', async () => {
    await bus.send([{ topic: names.in!, key: 'h', value: JSON.stringify({ entity: 'h', metric: 'm', timestamp: 1, value: 1 }) }]);
    const group = `heartbeat-test-${Date.now().toString(36)}`;
    let calls = 0;
    let joins = 0;
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const runner = new StageRunner(bus, catalogue, new SchemaRegistry(catalogue), {
      service: 'heartbeat-test',
      groupId: group,
      topics: [names.in!],
      onAssignment: () => void joins++,
      handle: async () => {
        calls++;
        await held;
        return [];
      },
    });
    await runner.start();
    try {
      await until(() => calls > 0, 60_000, 'the batch');
      // The thing under test: the batch is held for twice the session timeout. Without
      // heartbeats during it the broker evicts the member, its commit is refused and the batch
      // comes again after a rejoin.
      await new Promise((r) => setTimeout(r, 2 * SESSION_TIMEOUT_MS));
      release();
      // Committed: either by this delivery, or (had the member been evicted) by a second one.
      await until(async () => (await committedOffsets(group, names.in!)).get(0) === 1n, 60_000, 'the commit');
    } finally {
      release();
      await runner.stop();
    }
    expect(calls).toBe(1);
    expect(joins).toBe(1);
    expect(runner.crashed).toBeUndefined();
  });
});
