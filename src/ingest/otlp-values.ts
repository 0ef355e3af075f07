import { invalid } from './types.js';

/**
 * OTLP values in either encoding: the JSON mapping (64-bit integers as decimal strings, ids as
 * hex, bytes as base64) and protobufjs' objects (64-bit as decimal strings, bytes as Buffers).
 */
export type Scalar = string | number | boolean | null;

interface KeyValue {
  key?: unknown;
  value?: unknown;
}

/** An AnyValue as a scalar: strings, numbers and booleans as they are; arrays and maps as JSON text. */
export function anyValue(v: unknown, path: string): Scalar {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object') throw invalid(`${path}: must be an AnyValue object`);
  const a = v as Record<string, unknown>;
  if ('stringValue' in a) return String(a.stringValue);
  if ('boolValue' in a) return Boolean(a.boolValue);
  if ('intValue' in a) return toNumber(a.intValue, `${path}.intValue`);
  if ('doubleValue' in a) return toDouble(a.doubleValue, `${path}.doubleValue`);
  if ('bytesValue' in a) return Buffer.isBuffer(a.bytesValue) || a.bytesValue instanceof Uint8Array ? Buffer.from(a.bytesValue).toString('base64') : String(a.bytesValue);
  if ('arrayValue' in a) return JSON.stringify(plain(a));
  if ('kvlistValue' in a) return JSON.stringify(plain(a));
  return null;
}

/** AnyValue → plain JSON value (nested arrays and maps kept), for bodies and composite attributes. */
export function plain(v: unknown): unknown {
  if (v === undefined || v === null || typeof v !== 'object') return null;
  const a = v as Record<string, unknown>;
  if ('arrayValue' in a) return (((a.arrayValue as { values?: unknown[] } | undefined)?.values) ?? []).map(plain);
  if ('kvlistValue' in a) {
    const out: Record<string, unknown> = {};
    for (const kv of ((a.kvlistValue as { values?: KeyValue[] } | undefined)?.values ?? [])) out[String(kv.key)] = plain(kv.value);
    return out;
  }
  return anyValue(a, 'value');
}

/** A KeyValue list as a map (later keys win, as the spec leaves duplicates undefined). */
export function attributes(list: unknown, path: string): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) throw invalid(`${path}: must be an array of {key, value}`);
  list.forEach((kv: KeyValue, i) => {
    if (typeof kv !== 'object' || kv === null || typeof kv.key !== 'string') throw invalid(`${path}[${i}].key: must be a string`);
    out[kv.key] = anyValue(kv.value, `${path}[${i}].value`);
  });
  return out;
}

/** fixed64 nanoseconds (string or number) → epoch milliseconds; undefined when absent or zero. */
export function nanosToMillis(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null || v === '' || v === '0' || v === 0) return undefined;
  let n: bigint;
  try {
    n = BigInt(typeof v === 'number' ? Math.trunc(v) : String(v));
  } catch {
    throw invalid(`${path}: must be an integer count of nanoseconds, not ${JSON.stringify(v)}`);
  }
  if (n < 0n) throw invalid(`${path}: must not be negative`);
  return Number(n / 1_000_000n);
}

/** int64 as number (JSON gives a string or a number). */
export function toNumber(v: unknown, path: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw invalid(`${path}: must be an integer, not ${JSON.stringify(v)}`);
  return n;
}

/** double: the proto3 JSON mapping writes NaN and infinities as strings. */
export function toDouble(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  throw invalid(`${path}: must be a number, not ${JSON.stringify(v)}`);
}

/** Trace or span id: hex in OTLP/JSON, bytes in protobuf. Empty or all-zero means none. */
export function hexId(v: unknown, bytes: number, path: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  let hex: string;
  if (typeof v === 'string') hex = v.toLowerCase();
  else if (v instanceof Uint8Array) hex = Buffer.from(v).toString('hex');
  else throw invalid(`${path}: must be a hex string`);
  if (hex.length === 0) return undefined;
  if (hex.length !== bytes * 2 || !/^[0-9a-f]+$/.test(hex)) throw invalid(`${path}: must be ${bytes * 2} hex digits, not ${JSON.stringify(v)}`);
  return /^0+$/.test(hex) ? undefined : hex;
}

/** An array field or an empty one; anything else names the field. */
export function arrayAt(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${path}: must be an array`);
  return v;
}

export function objectAt(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`${path}: must be an object`);
  return v as Record<string, unknown>;
}
