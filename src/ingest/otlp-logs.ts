import type { OtlpContext } from './otlp-metrics.js';
import { anyValue, arrayAt, attributes, hexId, nanosToMillis, objectAt, plain, type Scalar } from './otlp-values.js';
import { logId } from './sample-ids.js';
import { invalid, type LogEntry, type Normalised } from './types.js';

/** OTLP severity numbers in ranges of four: 1–4 TRACE ... 21–24 FATAL. */
const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
const MAX_ATTRIBUTES = 128;

export function severityLevel(n: number): string | undefined {
  return n >= 1 && n <= 24 ? LEVELS[Math.floor((n - 1) / 4)] : undefined;
}

/**
 * An ExportLogsServiceRequest → one record per log record: level (severity text, else from the
 * number), message (a string body as is, any other body as JSON), attributes (the record's, over
 * the configured resource attributes), entity, trace and span ids. Time is the record's, else
 * when it was observed, else now. `contentHash` identifies the request for the ids.
 */
export function otlpLogEntries(req: Record<string, unknown>, ctx: OtlpContext, contentHash: string, now: number): Normalised<LogEntry> {
  const records: LogEntry[] = [];
  arrayAt(req.resourceLogs, 'resourceLogs').forEach((rlRaw, r) => {
    const rPath = `resourceLogs[${r}]`;
    const rl = objectAt(rlRaw, rPath);
    const resource = attributes((rl.resource as { attributes?: unknown } | undefined)?.attributes, `${rPath}.resource.attributes`);
    const fromResource: Record<string, Scalar> = {};
    for (const k of ctx.resourceLabels) if (resource[k] !== undefined) fromResource[k] = resource[k]!;
    arrayAt(rl.scopeLogs, `${rPath}.scopeLogs`).forEach((slRaw, s) => {
      const sPath = `${rPath}.scopeLogs[${s}]`;
      arrayAt(objectAt(slRaw, sPath).logRecords, `${sPath}.logRecords`).forEach((lrRaw, i) => {
        const path = `${sPath}.logRecords[${i}]`;
        const lr = objectAt(lrRaw, path);
        const attrs = attributes(lr.attributes, `${path}.attributes`);
        const entity = ctx.entities.resolve(attrs, resource);
        if (entity === undefined) throw invalid(`${path}: no entity; set ${ctx.entities.describe()} on the resource or the record, or INGEST_DEFAULT_ENTITY`);
        const merged = { ...fromResource, ...attrs };
        if (Object.keys(merged).length > MAX_ATTRIBUTES) throw invalid(`${path}.attributes: more than ${MAX_ATTRIBUTES}`);
        const timestamp = nanosToMillis(lr.timeUnixNano, `${path}.timeUnixNano`) ?? nanosToMillis(lr.observedTimeUnixNano, `${path}.observedTimeUnixNano`) ?? now;
        const text = typeof lr.severityText === 'string' && lr.severityText !== '' ? lr.severityText : undefined;
        const level = text ?? severityLevel(Number(lr.severityNumber ?? 0));
        const out: LogEntry = {
          id: logId(ctx.tenant, contentHash, records.length),
          entity,
          timestamp,
          message: bodyText(lr.body, `${path}.body`),
        };
        if (ctx.tenant !== undefined) out.tenant = ctx.tenant;
        if (level !== undefined) out.level = level;
        if (Object.keys(merged).length > 0) out.attributes = merged;
        const traceId = hexId(lr.traceId, 16, `${path}.traceId`);
        const spanId = hexId(lr.spanId, 8, `${path}.spanId`);
        if (traceId) out.trace_id = traceId;
        if (spanId) out.span_id = spanId;
        records.push(out);
      });
    });
  });
  return { records, dropped: {} };
}

function bodyText(body: unknown, path: string): string {
  if (body === undefined || body === null) return '';
  const b = objectAt(body, path);
  if ('stringValue' in b) return String(b.stringValue);
  if ('arrayValue' in b || 'kvlistValue' in b) return JSON.stringify(plain(b));
  const v = anyValue(b, path);
  return v === null ? '' : String(v);
}

export function countLogRecords(req: unknown): number {
  let n = 0;
  for (const rl of asArray((req as { resourceLogs?: unknown })?.resourceLogs)) {
    for (const sl of asArray((rl as { scopeLogs?: unknown })?.scopeLogs)) n += asArray((sl as { logRecords?: unknown })?.logRecords).length;
  }
  return n;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
