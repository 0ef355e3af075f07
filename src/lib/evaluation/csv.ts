import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';

/** A CSV of one entity: a timestamp column plus numeric metric columns. */
export interface SeriesTable {
  readonly metrics: readonly string[];
  /** Timestamps as written in the file, echoed back in the output. */
  readonly stamps: readonly string[];
  readonly times: readonly number[];
  readonly rows: readonly number[][];
}

/**
 * Timestamps as NAB writes them ("YYYY-MM-DD HH:MM:SS[.ffffff]", read as UTC), ISO 8601, or
 * epoch seconds / milliseconds.
 */
export function parseTimestamp(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return n < 1e11 ? n * 1000 : n;
  }
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (m) {
    const fraction = m[3] ? m[3].slice(0, 4).padEnd(4, '0') : '';
    return Date.parse(`${m[1]}T${m[2]}${fraction}${m[4] ?? 'Z'}`);
  }
  const parsed = Date.parse(t);
  if (Number.isNaN(parsed)) throw new Error(`unreadable timestamp: ${text}`);
  return parsed;
}

export async function readSeriesCsv(path: string): Promise<SeriesTable> {
  const records = parse(await readFile(path, 'utf8'), { bom: true, skip_empty_lines: true, trim: true }) as string[][];
  const header = records[0];
  if (!header) throw new Error(`${path}: empty file`);
  const timeColumn = header.findIndex((h) => h.toLowerCase() === 'timestamp');
  if (timeColumn < 0) throw new Error(`${path}: no timestamp column`);
  const metricColumns = header.map((_, i) => i).filter((i) => i !== timeColumn);
  if (metricColumns.length === 0) throw new Error(`${path}: no metric columns`);
  const stamps: string[] = [];
  const times: number[] = [];
  const rows: number[][] = [];
  for (const record of records.slice(1)) {
    const stamp = record[timeColumn] ?? '';
    stamps.push(stamp);
    times.push(parseTimestamp(stamp));
    // Empty or non-numeric cells become NaN: the detector treats them as missing.
    rows.push(metricColumns.map((i) => (record[i] === undefined || record[i] === '' ? NaN : Number(record[i]))));
  }
  return { metrics: metricColumns.map((i) => header[i]!), stamps, times, rows };
}
