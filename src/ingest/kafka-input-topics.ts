import { fileURLToPath } from 'node:url';
import type { TopicSpec } from '../platform/bus/types.js';
import { parseCatalogue, topicSpecs, type Catalogue } from '../platform/streams/catalogue.js';
import { SchemaRegistry, type Validation } from '../platform/streams/validator.js';

import logsSchema from './schemas/otlp_logs.schema.json' with { type: 'json' };
import metricsSchema from './schemas/otlp_metrics.schema.json' with { type: 'json' };

/** Beside this file in src/ and dist/ alike: the imports below make the build copy the schemas. */
const SCHEMAS_DIR = fileURLToPath(new URL('./schemas/', import.meta.url));
export const INPUT_SCHEMA_IDS = [metricsSchema.$id, logsSchema.$id];

/** Partitions of an input topic the gateway has to create itself (the exporter found none). */
const PARTITIONS = 12;

/**
 * The topics producers outside Vigil write (the Collector's kafka exporter: otlp_metrics and
 * otlp_logs by default). Their names are the producer's choice, so they live in the ingest
 * options rather than streams/; this catalogue gives them schemas and `.dlq` twins so the
 * platform's stage can consume them and dead-letter what it cannot read.
 */
export function inputCatalogue(platform: Catalogue, topics: { metrics: string; logs: string }): Catalogue {
  const own = parseCatalogue(
    {
      defaults: { dlq: { partitions: 3, retention: '30d', cleanup: 'delete', maxMessageBytes: 8388608 } },
      topics: {
        [topics.metrics]: { description: 'OTLP/JSON metrics from the Collector kafka exporter', key: 'as the exporter sets it', partitions: PARTITIONS, retention: '3d', cleanup: 'delete', schema: 'otlp_metrics.schema.json', dlq: true },
        [topics.logs]: { description: 'OTLP/JSON logs from the Collector kafka exporter', key: 'as the exporter sets it', partitions: PARTITIONS, retention: '3d', cleanup: 'delete', schema: 'otlp_logs.schema.json', dlq: true },
      },
    },
    'src/ingest (Collector kafka exporter topics)',
  );
  const all = new Map([...platform.topics, ...own.topics]);
  return {
    topics: all,
    get(name) {
      const t = all.get(name);
      if (!t) throw new Error(`topic ${name} is in neither streams/topics.yaml nor the ingest input topics`);
      return t;
    },
  };
}

/**
 * What to apply at start: the dead-letter twins in full; of the input topics only those
 * `missing` (an existing one keeps the partitions and settings whoever made it chose).
 */
export function inputTopicSpecs(catalogue: Catalogue, missing: string[], dlqsOf: string[], replicationFactor: number): Array<TopicSpec & { replicationFactor?: number }> {
  const dlqs = new Set(dlqsOf.map((n) => `${n}.dlq`));
  return [
    ...missing.map((name) => ({ name, partitions: PARTITIONS, config: {}, replicationFactor })),
    ...topicSpecs(catalogue, replicationFactor).filter((s) => dlqs.has(s.name)),
  ];
}

/** The platform's schemas plus those of the input topics. */
export class InputSchemas extends SchemaRegistry {
  constructor(
    private readonly platform: SchemaRegistry,
    inputs: Catalogue,
  ) {
    super({ topics: new Map([...inputs.topics].filter(([, t]) => t.schema?.startsWith('otlp_'))), get: inputs.get }, SCHEMAS_DIR);
  }

  override has(topic: string): boolean {
    return super.has(topic) || this.platform.has(topic);
  }

  override validate<T>(topic: string, value: unknown): Validation<T> {
    return super.has(topic) ? super.validate<T>(topic, value) : this.platform.validate<T>(topic, value);
  }
}
