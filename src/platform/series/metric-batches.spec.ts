import { describe, expect, it } from 'vitest';
import { metricBatches, type IdentifiedSample } from './metric-batches.js';
import { samplesOf } from './metric-sample.js';

const sample = (entity: string, metric: string, timestamp: number, tenant?: string): IdentifiedSample => ({
  id: `${tenant ?? ''}/${entity}/${metric}/${timestamp}`,
  ...(tenant !== undefined && { tenant }),
  entity,
  metric,
  labels: { env: 'x' },
  timestamp,
  value: timestamp / 1000,
  kind: 'gauge',
});

describe('metricBatches', () => {
  it('writes one record per tenant and entity, in first-seen order, holding its samples in request order', () => {
    const input = [sample('a', 'cpu', 1000), sample('b', 'cpu', 1000), sample('a', 'mem', 1000), sample('a', 'cpu', 2000, 't2'), sample('b', 'mem', 1000)];
    const batches = metricBatches(input);
    expect(batches.map((b) => [b.entity, b.value.tenant, b.value.samples.map((s) => `${s.metric}@${s.timestamp}`)])).toEqual([
      ['a', undefined, ['cpu@1000', 'mem@1000']],
      ['b', undefined, ['cpu@1000', 'mem@1000']],
      ['a', 't2', ['cpu@2000']],
    ]);
    // The JSON is the value, and reads back as the samples that went in (ids aside).
    for (const b of batches) expect(JSON.parse(b.json)).toEqual(b.value);
    const back = batches.flatMap((b) => samplesOf(JSON.parse(b.json)));
    expect(back).toHaveLength(input.length);
    expect(back).toEqual(expect.arrayContaining(input.map(({ id: _id, ...rest }) => rest)));
  });

  it("derives a record's id from its samples' ids: the same request gives the same ids, another gives others", () => {
    const one = metricBatches([sample('a', 'cpu', 1000), sample('a', 'mem', 1000)]);
    const again = metricBatches([sample('a', 'cpu', 1000), sample('a', 'mem', 1000)]);
    const other = metricBatches([sample('a', 'cpu', 1000), sample('a', 'mem', 2000)]);
    expect(one[0]!.id).toBe(again[0]!.id);
    expect(one[0]!.value.id).toBe(one[0]!.id);
    expect(other[0]!.id).not.toBe(one[0]!.id);
  });

  it('splits an entity with more samples than fit in one record, keeping their order', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ ...sample('big', `metric_with_a_long_name_${i % 50}`, 1000 + i), labels: { pad: 'x'.repeat(40) } }));
    const batches = metricBatches(many);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) expect(Buffer.byteLength(b.json)).toBeLessThanOrEqual(256 * 1024);
    expect(batches.flatMap((b) => b.value.samples.map((s) => s.timestamp))).toEqual(many.map((s) => s.timestamp));
    expect(new Set(batches.map((b) => b.id)).size).toBe(batches.length);
  });
});
