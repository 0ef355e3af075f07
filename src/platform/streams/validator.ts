import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { STREAMS_DIR, type Catalogue } from './catalogue.js';
import { acceptsMetricRecord } from './metrics-fast-check.js';

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Hand-written tests that accept only what a schema accepts, for the schemas every sample passes:
 * when one says yes the compiled schema is not run; when it says no, the schema decides.
 */
const FAST_ACCEPT: Record<string, (value: unknown) => boolean> = {
  'telemetry.metrics.schema.json': acceptsMetricRecord,
};

/**
 * JSON Schema validation for every topic in the catalogue, compiled once at start. Used on both
 * sides: consumers check what they read, producers check what they write.
 */
export class SchemaRegistry {
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly fast = new Map<string, (value: unknown) => boolean>();

  constructor(catalogue: Catalogue, schemasDir = `${STREAMS_DIR}schemas/`) {
    const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    const byFile = new Map<string, ValidateFunction>();
    for (const t of catalogue.topics.values()) {
      if (!t.schema) continue;
      let v = byFile.get(t.schema);
      if (!v) {
        v = ajv.compile(JSON.parse(readFileSync(`${schemasDir}${t.schema}`, 'utf8')) as object);
        byFile.set(t.schema, v);
      }
      this.validators.set(t.name, v);
      const accepts = FAST_ACCEPT[t.schema];
      if (accepts) this.fast.set(t.name, accepts);
    }
  }

  has(topic: string): boolean {
    return this.validators.has(topic);
  }

  validate<T>(topic: string, value: unknown): Validation<T> {
    if (this.fast.get(topic)?.(value)) return { ok: true, value: value as T };
    const v = this.validators.get(topic);
    if (!v) return { ok: false, error: `no schema for topic ${topic}` };
    if (v(value)) return { ok: true, value: value as T };
    return { ok: false, error: describe(v.errors ?? []) };
  }
}

/** "/value: must be number" — the field and what is wrong with it. */
function describe(errors: ErrorObject[]): string {
  const e = errors[0];
  if (!e) return 'invalid';
  const field = e.instancePath || '/';
  const extra = e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : '';
  return `${field}: ${e.message ?? 'invalid'}${extra}`;
}
