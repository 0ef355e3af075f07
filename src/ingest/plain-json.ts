import type { EntityResolver } from './entity.js';
import { assertShallow } from './json-depth.js';
import { hexId, type Scalar } from './otlp-values.js';
import { logId, sampleId } from './sample-ids.js';
import { invalid, type LogEntry, type MetricSample, type Normalised } from './types.js';

export interface JsonContext {
  tenant: string | undefined;
  entities: EntityResolver;
  /** When a record has no timestamp. */
  now: number;
  contentHash: string;
}

interface Item {
  value: unknown;
  /** How the error messages name it: `[3]`, `line 4`, or `body`. */
  where: string;
}

/**
 * A plain JSON body: one object, an array of them, or NDJSON (one object per line). Fastify
 * has already parsed `application/json`; NDJSON and text arrive as a string or bytes.
 */
export function jsonItems(body: unknown): Item[] {
  if (Buffer.isBuffer(body)) body = body.toString('utf8');
  if (typeof body === 'string') {
    const items: Item[] = [];
    body.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw invalid(`line ${i + 1}: not JSON: ${(err as Error).message}`);
      }
      assertShallow(value, `line ${i + 1}`);
      items.push({ value, where: `line ${i + 1}` });
    });
    if (items.length === 1 && Array.isArray(items[0]!.value)) return jsonItems(items[0]!.value);
    return items;
  }
  if (Array.isArray(body)) return body.map((value, i) => ({ value, where: `[${i}]` }));
  if (body === undefined || body === null) throw invalid('body: empty; send a JSON object, an array of them, or NDJSON lines');
  return [{ value: body, where: 'body' }];
}

const SAMPLE_FIELDS = new Set(['id', 'entity', 'metric', 'labels', 'timestamp', 'value', 'kind']);
const LOG_FIELDS = new Set(['id', 'entity', 'timestamp', 'level', 'message', 'attributes', 'session', 'trace_id', 'span_id']);

/** `{metric, value, entity?, labels?, timestamp?, kind?, id?}` → a sample; the entity may come from the labels. */
export function jsonSamples(items: Item[], ctx: JsonContext): Normalised<MetricSample> {
  const records = items.map(({ value, where }) => {
    const o = record(value, where, SAMPLE_FIELDS);
    const metric = o.metric;
    if (typeof metric !== 'string' || metric === '') throw invalid(`${at(where, 'metric')}: required, a non-empty string`);
    if (typeof o.value !== 'number' || !Number.isFinite(o.value)) throw invalid(`${at(where, 'value')}: required, a finite number`);
    const labels = stringMap(o.labels, at(where, 'labels'));
    const entity = o.entity !== undefined ? nonEmpty(o.entity, at(where, 'entity')) : ctx.entities.resolve(labels);
    if (entity === undefined) throw invalid(`${at(where, 'entity')}: required (or ${ctx.entities.describe()} in labels)`);
    const kind = o.kind ?? 'gauge';
    if (kind !== 'gauge' && kind !== 'counter' && kind !== 'rate') throw invalid(`${at(where, 'kind')}: must be gauge, counter or rate`);
    const timestamp = time(o.timestamp, at(where, 'timestamp'), ctx.now);
    const out: MetricSample = {
      id: o.id !== undefined ? nonEmpty(o.id, at(where, 'id')) : sampleId(ctx.tenant, metric, labels, timestamp),
      entity,
      metric,
      labels,
      timestamp,
      value: o.value,
      kind,
    };
    if (ctx.tenant !== undefined) out.tenant = ctx.tenant;
    return out;
  });
  return { records, dropped: {} };
}

/** `{message, entity?, timestamp?, level?, attributes?, session?, trace_id?, span_id?, id?}` → a log record. */
export function jsonLogs(items: Item[], ctx: JsonContext): Normalised<LogEntry> {
  const records = items.map(({ value, where }, index) => {
    const o = record(value, where, LOG_FIELDS);
    if (typeof o.message !== 'string') throw invalid(`${at(where, 'message')}: required, a string`);
    const attributes = scalarMap(o.attributes, at(where, 'attributes'));
    const entity = o.entity !== undefined ? nonEmpty(o.entity, at(where, 'entity')) : ctx.entities.resolve(attributes);
    if (entity === undefined) throw invalid(`${at(where, 'entity')}: required (or ${ctx.entities.describe()} in attributes)`);
    const out: LogEntry = {
      id: o.id !== undefined ? nonEmpty(o.id, at(where, 'id')) : logId(ctx.tenant, ctx.contentHash, index),
      entity,
      timestamp: time(o.timestamp, at(where, 'timestamp'), ctx.now),
      message: o.message,
    };
    if (ctx.tenant !== undefined) out.tenant = ctx.tenant;
    if (o.level !== undefined) out.level = nonEmpty(o.level, at(where, 'level'));
    if (o.attributes !== undefined) out.attributes = attributes;
    if (o.session !== undefined) out.session = nonEmpty(o.session, at(where, 'session'));
    const traceId = hexId(o.trace_id, 16, at(where, 'trace_id'));
    const spanId = hexId(o.span_id, 8, at(where, 'span_id'));
    if (traceId) out.trace_id = traceId;
    if (spanId) out.span_id = spanId;
    return out;
  });
  return { records, dropped: {} };
}

function record(v: unknown, where: string, fields: Set<string>): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`${where}: must be a JSON object`);
  for (const k of Object.keys(v)) if (!fields.has(k)) throw invalid(`${at(where, k)}: unknown field (known: ${[...fields].join(', ')})`);
  return v as Record<string, unknown>;
}

function nonEmpty(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw invalid(`${where}: must be a non-empty string`);
  return v;
}

/** Epoch milliseconds, or an RFC 3339 date; absent means now. */
function time(v: unknown, where: string, now: number): number {
  if (v === undefined) return now;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  throw invalid(`${where}: must be epoch milliseconds (an integer) or an RFC 3339 date, not ${JSON.stringify(v)}`);
}

function stringMap(v: unknown, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(scalarMap(v, where))) out[k] = x === null ? '' : String(x);
  return out;
}

function scalarMap(v: unknown, where: string): Record<string, Scalar> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`${where}: must be an object`);
  for (const [k, x] of Object.entries(v)) {
    if (x !== null && typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') throw invalid(`${at(where, k)}: must be a string, number, boolean or null`);
  }
  return v as Record<string, Scalar>;
}

/** `[3].value`, `body.value`, `line 4: value`. */
function at(where: string, field: string): string {
  return /^line \d+$/.test(where) ? `${where}: ${field}` : `${where}.${field}`;
}
