import { describe, expect, it } from 'vitest';
import { parseCatalogue } from './catalogue.js';
import { acceptsMetricRecord } from './metrics-fast-check.js';
import { SchemaRegistry } from './validator.js';

const catalogue = parseCatalogue({ topics: { m: { key: 'entity', partitions: 1, retention: '1h', cleanup: 'delete', schema: 'telemetry.metrics.schema.json', dlq: true } } }, 'spec');
/** The compiled schema alone: the registry's ajv function, without the fast path in front. */
const ajv = (value: unknown) => (new SchemaRegistry(catalogue) as unknown as { validators: Map<string, (v: unknown) => boolean> }).validators.get('m')!(value);

const point = { metric: 'cpu', labels: { env: 'x' }, timestamp: 1_700_000_000_000, value: 0.5, kind: 'gauge' };
const valid: unknown[] = [
  { entity: 'h', ...point },
  { id: 'i', tenant: 't', entity: 'h', metric: 'm', timestamp: 0, value: -1 },
  { entity: 'h', samples: [point, { metric: 'mem', timestamp: 1, value: 2 }] },
  { id: 'b', tenant: 't', entity: 'h', samples: [{ ...point, id: 'p', kind: 'counter' }] },
];
/** Ways to break a valid value, each one the schema refuses. */
const breaks: Array<(v: Record<string, unknown>) => unknown> = [
  (v) => ({ ...v, extra: 1 }),
  (v) => ({ ...v, entity: '' }),
  (v) => ({ ...v, entity: 'x'.repeat(257) }),
  (v) => ({ ...v, tenant: 5 }),
  (v) => ('samples' in v ? { ...v, samples: [] } : { ...v, value: 'high' }),
  (v) => ('samples' in v ? { ...v, samples: [{ ...point, value: '1' }] } : { ...v, timestamp: 1.5 }),
  (v) => ('samples' in v ? { ...v, samples: [{ ...point, entity: 'h' }] } : { ...v, kind: 'summary' }),
  (v) => ('samples' in v ? { ...v, samples: [{ ...point, labels: { a: 1 } }] } : { ...v, labels: { a: 'x'.repeat(1025) } }),
  (v) => ('samples' in v ? { ...v, samples: [{ ...point, timestamp: -1 }] } : { ...v, labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }),
  (v) => ('samples' in v ? { ...v, samples: 'many' } : { ...v, metric: undefined }),
];

describe('acceptsMetricRecord (the fast path of telemetry.metrics validation)', () => {
  it('accepts what the schema accepts, in both forms', () => {
    for (const v of valid) {
      expect(ajv(v), JSON.stringify(v)).toBe(true);
      expect(acceptsMetricRecord(v), JSON.stringify(v)).toBe(true);
    }
  });

  it('never accepts what the schema refuses', () => {
    for (const v of valid) {
      for (const b of breaks) {
        const broken = JSON.parse(JSON.stringify(b(v as Record<string, unknown>)));
        expect(ajv(broken), JSON.stringify(broken)).toBe(false);
        expect(acceptsMetricRecord(broken), JSON.stringify(broken)).toBe(false);
      }
    }
    for (const odd of [null, [], 'x', 1, { samples: null }, { entity: 'h', samples: [null] }]) expect(acceptsMetricRecord(odd)).toBe(false);
  });

  it('leaves to the schema a name whose length only code points can settle', () => {
    // 200 astral characters: 400 UTF-16 units, 200 code points — valid, but not for the fast test to say.
    const v = { entity: '😀'.repeat(200), metric: 'm', timestamp: 1, value: 1 };
    expect(acceptsMetricRecord(v)).toBe(false);
    expect(new SchemaRegistry(catalogue).validate('m', v).ok).toBe(true);
  });
});
