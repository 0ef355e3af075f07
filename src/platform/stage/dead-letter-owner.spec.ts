import { describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { platformMetrics } from '../metrics/registry.js';
import { parseCatalogue, topicSpecs } from '../streams/catalogue.js';
import { SchemaRegistry } from '../streams/validator.js';
import { DLQ_HEADERS } from './dead-letter.js';
import { StageRunner } from './stage-runner.js';

const catalogue = parseCatalogue(
  {
    topics: {
      in: { key: 'entity', partitions: 1, retention: '1h', cleanup: 'delete', schema: 'telemetry.metrics.schema.json', dlq: true, deadLetteredBy: 'owner' },
      out: { key: 'entity', partitions: 1, retention: '1h', cleanup: 'delete', schema: 'telemetry.metrics.schema.json' },
    },
  },
  'spec',
);
const schemas = new SchemaRegistry(catalogue);

describe('dead letters of a topic several services read', () => {
  it('one bad record gives one dead letter, written by the deadLetteredBy service; the other counts it as skipped', async () => {
    const bus = new MemoryBus();
    await bus.applyTopics(topicSpecs(catalogue));
    const good = JSON.stringify({ entity: 'h', metric: 'm', timestamp: 1, value: 1 });
    await bus.send(['{"entity": "h", "metric":', JSON.stringify({ entity: 'h', metric: 'm', timestamp: 1, value: 'high' }), good].map((value) => ({ topic: 'in', key: 'h', value })));
    const runners = ['owner', 'other'].map(
      (service) =>
        new StageRunner<{ value: number }>(bus, catalogue, schemas, {
          service,
          groupId: `spec-${service}-${Math.random()}`,
          topics: ['in'],
          handle: async (rs) => rs.map((r) => ({ topic: 'out', key: r.key, id: `${service}-${r.offset}`, value: r.value })),
        }),
    );
    for (const r of runners) await r.start();
    // Each stage appends its output for the good record after (and with) its batch's dead letters.
    await until(() => bus.read('out', 0, 0, 100).length >= 2, 30_000, 'both stages to pass the good record on');
    for (const r of runners) await r.stop();

    const dlq = bus.partitions('in.dlq').flatMap((p) => p.records);
    expect(dlq.map((r) => [r.headers[DLQ_HEADERS.service], r.headers[DLQ_HEADERS.reason]])).toEqual([
      ['owner', 'invalid_json'],
      ['owner', 'schema'],
    ]);
    const skipped = (await platformMetrics.skipped.get()).values.filter((v) => v.labels.service === 'other' && v.labels.topic === 'in');
    expect(Object.fromEntries(skipped.map((v) => [v.labels.reason, v.value]))).toEqual({ invalid_json: 1, schema: 1, oversize: 0 });
  });

  it('the catalogue takes deadLetteredBy only on a topic with a dead-letter twin', () => {
    expect(() =>
      parseCatalogue({ topics: { x: { key: 'k', partitions: 1, retention: '1h', cleanup: 'delete', schema: 'telemetry.metrics.schema.json', deadLetteredBy: 'a' } } }, 'spec'),
    ).toThrow(/deadLetteredBy names the service that writes x\.dlq/);
  });
});
