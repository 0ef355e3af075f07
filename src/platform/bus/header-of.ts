import type { BusRecord } from './types.js';

/** One header of a record, by the record's own cheap path when it has one. */
export function headerOf(record: BusRecord, name: string): string | undefined {
  return record.header ? record.header(name) : record.headers[name];
}
