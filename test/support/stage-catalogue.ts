import { parseCatalogue } from '../../src/platform/streams/catalogue.js';
import { SchemaRegistry } from '../../src/platform/streams/validator.js';

/** The stage specs' two topics: `in` (telemetry.metrics' schema, with a dead-letter twin) and `out`. */
export const catalogue = parseCatalogue(
  {
    topics: {
      in: { key: 'entity', partitions: 1, retention: '1h', cleanup: 'delete', schema: 'telemetry.metrics.schema.json', dlq: true },
      out: { key: 'entity', partitions: 1, retention: '1h', cleanup: 'delete', schema: 'telemetry.metrics.schema.json' },
    },
  },
  'spec',
);
export const schemas = new SchemaRegistry(catalogue);
