import { createReadStream } from 'node:fs';
import { basename, extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { messageId } from '../bus/message-id.js';
import type { Bus, OutRecord } from '../bus/types.js';
import type { MetricPointValue } from '../series/metric-sample.js';
import type { Catalogue } from '../streams/catalogue.js';
import type { SchemaRegistry } from '../streams/validator.js';

export interface ReplayOptions {
  file: string;
  topic: string;
  /** Records per second; 0 means as fast as the broker takes them. */
  rate: number;
  /** Field whose value is the record key (default: entity, user, customer_id, whatever the record has). */
  key?: string;
  /** For telemetry.metrics from a wide CSV (timestamp + numeric columns): the entity name. */
  entity?: string;
  validate: boolean;
  limit?: number;
}

const KEY_FIELDS = ['entity', 'customer_id', 'user', 'incident_id', 'id'];

/**
 * Replays a CSV or NDJSON file into a topic at a chosen rate. A wide metrics CSV
 * (`timestamp,<metric>,...`, as NAB's) becomes one telemetry.metrics record per row, holding a
 * sample per numeric cell (the batched form).
 * Records that fail the topic's schema are counted and skipped unless validation is off.
 */
export async function replay(bus: Bus, catalogue: Catalogue, schemas: SchemaRegistry, o: ReplayOptions): Promise<{ sent: number; invalid: number; seconds: number }> {
  catalogue.get(o.topic);
  const started = Date.now();
  let sent = 0;
  let invalid = 0;
  /** Records read so far (sent or buffered): the position a record without an id is known by. */
  let read = 0;
  let buffer: OutRecord[] = [];
  const flushEvery = o.rate > 0 ? Math.max(1, Math.floor(o.rate / 20)) : 1000;
  const flush = async () => {
    if (buffer.length === 0) return;
    await bus.send(buffer);
    sent += buffer.length;
    buffer = [];
    if (o.rate > 0) {
      const due = started + (sent / o.rate) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };
  for await (const value of readRecords(o)) {
    if (o.limit !== undefined && sent + buffer.length >= o.limit) break;
    if (o.validate) {
      const v = schemas.validate(o.topic, value);
      if (!v.ok) {
        if (invalid++ < 5) console.error(`skipping invalid record: ${v.error}`);
        continue;
      }
    }
    const key = keyOf(value, o.key);
    read++;
    buffer.push({ topic: o.topic, key, value: JSON.stringify(value), headers: { 'vigil-id': recordId(value, o, read) } });
    if (buffer.length >= flushEvery) await flush();
  }
  await flush();
  return { sent, invalid, seconds: (Date.now() - started) / 1000 };
}

/**
 * The `vigil-id` header every Vigil producer writes: the record's own `id` when it has one (so
 * a replayed record keeps the id its consumers may have seen), else one made from the file and
 * the record's position in it, so replaying the same file again gives the same ids and
 * consumers that drop repeats drop them.
 */
function recordId(value: Record<string, unknown>, o: ReplayOptions, position: number): string {
  if (typeof value.id === 'string' && value.id !== '') return value.id;
  return messageId('replay', o.topic, basename(o.file), position);
}

function keyOf(value: Record<string, unknown>, field: string | undefined): string | null {
  for (const f of field ? [field] : KEY_FIELDS) {
    const v = value[f];
    if (typeof v === 'string' || typeof v === 'number') return String(v);
  }
  return null;
}

async function* readRecords(o: ReplayOptions): AsyncGenerator<Record<string, unknown>> {
  if (extname(o.file) === '.csv') {
    const parser = createReadStream(o.file).pipe(parse({ columns: true, skip_empty_lines: true, trim: true }));
    const wide = o.topic === 'telemetry.metrics';
    const entity = o.entity ?? basename(o.file, '.csv');
    for await (const row of parser as AsyncIterable<Record<string, string>>) {
      if (!wide) {
        yield typed(row);
        continue;
      }
      const timestamp = Date.parse(row.timestamp?.includes('T') ? row.timestamp : `${row.timestamp?.replace(' ', 'T')}Z`);
      // A row is the entity's samples at one time: one record in the batched form, as ingest writes.
      const samples: MetricPointValue[] = [];
      for (const [metric, raw] of Object.entries(row)) {
        if (metric === 'timestamp' || raw === '' || !Number.isFinite(Number(raw))) continue;
        samples.push({ metric, timestamp, value: Number(raw) });
      }
      if (samples.length > 0) yield { id: messageId(entity, timestamp), entity, samples };
    }
    return;
  }
  const lines = createInterface({ input: createReadStream(o.file), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`${o.file}:${n}: not JSON: ${(err as Error).message}`);
    }
  }
}

/** CSV cells are text: numbers and booleans become what they look like. */
function typed(row: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] = v === 'true' ? true : v === 'false' ? false : v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return out;
}
