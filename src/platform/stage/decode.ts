import type { BusRecord } from '../bus/types.js';
import type { SchemaRegistry } from '../streams/validator.js';
import type { DeadLetterReason } from './types.js';

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: DeadLetterReason; error: string };

/** Bytes → JSON → schema-checked value, or the reason it is not one. */
export function decodeRecord<T>(record: BusRecord, schemas: SchemaRegistry, maxBytes: number): Decoded<T> {
  const bytes = record.value;
  if (bytes === null) return { ok: false, reason: 'invalid_json', error: 'record has no value (tombstone)' };
  if (bytes.length > maxBytes) {
    return { ok: false, reason: 'oversize', error: `record is ${bytes.length} bytes, the limit is ${maxBytes}` };
  }
  let parsed: unknown;
  try {
    // Invalid UTF-8 decodes to U+FFFD here; the schema then judges the text.
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: 'invalid_json', error: (err as Error).message };
  }
  const v = schemas.validate<T>(record.topic, parsed);
  return v.ok ? v : { ok: false, reason: 'schema', error: v.error };
}
