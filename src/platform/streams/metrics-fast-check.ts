/**
 * A hand-written acceptance test for telemetry.metrics values, the hottest schema (every sample
 * passes it): true only when streams/schemas/telemetry.metrics.schema.json certainly accepts the
 * value. Anything else — invalid, or a string whose length the schema counts in code points and
 * this test cannot settle by its UTF-16 length — goes to the compiled schema, which gives the
 * verdict and the error. About a fifth of ajv's cost on an 8-sample batch (ajv counts every
 * string's code points); metrics-fast-check.spec.ts holds the two to agreement.
 */
export function acceptsMetricRecord(v: unknown): boolean {
  if (!isObject(v)) return false;
  if (!('samples' in v)) return acceptsSample(v);
  for (const k in v) if (k !== 'id' && k !== 'tenant' && k !== 'entity' && k !== 'samples') return false;
  if (!isName(v.entity) || !optionalName(v.tenant) || !optionalName(v.id)) return false;
  const samples = v.samples;
  if (!Array.isArray(samples) || samples.length < 1 || samples.length > 100_000) return false;
  for (let i = 0; i < samples.length; i++) {
    const p: unknown = samples[i];
    if (!isObject(p)) return false;
    for (const k in p) if (k !== 'id' && k !== 'metric' && k !== 'labels' && k !== 'timestamp' && k !== 'value' && k !== 'kind') return false;
    if (!acceptsPoint(p)) return false;
  }
  return true;
}

function acceptsSample(v: Record<string, unknown>): boolean {
  for (const k in v) {
    if (k !== 'id' && k !== 'tenant' && k !== 'entity' && k !== 'metric' && k !== 'labels' && k !== 'timestamp' && k !== 'value' && k !== 'kind') return false;
  }
  return isName(v.entity) && optionalName(v.tenant) && acceptsPoint(v);
}

/** The fields a sample and a batch's sample share. */
function acceptsPoint(p: Record<string, unknown>): boolean {
  const t = p.timestamp;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t > 8_640_000_000_000_000) return false;
  if (typeof p.value !== 'number') return false;
  if (!isName(p.metric) || !optionalName(p.id)) return false;
  const kind = p.kind;
  if (kind !== undefined && kind !== 'gauge' && kind !== 'counter' && kind !== 'rate') return false;
  return p.labels === undefined || acceptsLabels(p.labels);
}

function acceptsLabels(labels: unknown): boolean {
  if (!isObject(labels)) return false;
  let n = 0;
  for (const k in labels) {
    if (++n > 64 || k.length > 128) return false;
    const value = labels[k];
    if (typeof value !== 'string' || value.length > 1024) return false;
  }
  return true;
}

/** 1 to 256 characters: a UTF-16 length in range is a code-point length in range. */
function isName(s: unknown): boolean {
  return typeof s === 'string' && s.length >= 1 && s.length <= 256;
}

function optionalName(s: unknown): boolean {
  return s === undefined || isName(s);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
