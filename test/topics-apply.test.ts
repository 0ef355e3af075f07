import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/platform/bus/types.js';
import { parseCatalogue, topicSpecs } from '../src/platform/streams/catalogue.js';
import { kafkaBus, uniqueTopic } from './support/kafka.js';

describe('topics apply on a real broker', () => {
  let bus: Bus;
  beforeAll(async () => {
    bus = kafkaBus();
    await bus.connect();
  });
  afterAll(async () => bus.disconnect());

  it('creates, is idempotent, grows partitions and updates configs', async () => {
    const name = uniqueTopic('apply');
    // Changes name the topics as the cluster has them: with this file's namespace in front.
    const onCluster = `${process.env.VIGIL_TOPIC_PREFIX ?? ''}${name}`;
    const catalogue = (partitions: number, retention: string) =>
      parseCatalogue({ topics: { [name]: { key: 'k', partitions, retention, cleanup: 'delete', schema: 'telemetry.metrics.schema.json', dlq: true } } }, 'test');

    expect(await bus.applyTopics(topicSpecs(catalogue(2, '1h')))).toEqual([`created ${onCluster} (2 partitions)`, `created ${onCluster}.dlq (3 partitions)`]);
    expect(await bus.applyTopics(topicSpecs(catalogue(2, '1h')))).toEqual([]);
    expect(await bus.applyTopics(topicSpecs(catalogue(4, '2h')))).toEqual([`grew ${onCluster} to 4 partitions`, `updated config of ${onCluster}`]);
    expect((await bus.endOffsets(name)).length).toBe(4);
    expect(await bus.applyTopics(topicSpecs(catalogue(4, '2h')))).toEqual([]);
  });
});
