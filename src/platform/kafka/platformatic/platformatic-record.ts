import type { KafkaRecord as RawRecord, RecordsBatch } from '@platformatic/kafka';
import type { BusRecord, Headers } from '../../bus/types.js';
import { FetchedRecord } from '../fetched-record.js';

/** Batch attribute bits (Kafka's record batch v2). */
const CONTROL = 0x20;
const LOG_APPEND_TIME = 0x08;

/** A fetched record as a BusRecord, its headers converted when read (see FetchedRecord). */
export class PlatformaticRecord extends FetchedRecord {
  constructor(topic: string, partition: number, offset: bigint, timestamp: bigint, private readonly record: RawRecord) {
    super(topic, partition, offset.toString(), record.key, record.value, Number(timestamp));
  }

  protected allHeaders(): Headers {
    const out: Headers = {};
    // A key given twice keeps its first value, as kafkajs' records do.
    for (const [k, v] of this.record.headers) if (k !== null) out[k.toString('utf8')] ??= v === null ? '' : v.toString('utf8');
    return out;
  }

  protected oneHeader(name: string): string | undefined {
    for (const [k, v] of this.record.headers) {
      if (k !== null && k.toString('utf8') === name) return v === null ? '' : v.toString('utf8');
    }
    return undefined;
  }
}

/**
 * The data records of a partition's fetched batches from offset `from` on (a compressed batch
 * may start before it), without control records; and the offset to fetch next, past them all.
 */
export function batchRecords(topic: string, partition: number, batches: RecordsBatch[], from: bigint): { records: BusRecord[]; next: bigint } {
  const records: BusRecord[] = [];
  let next = from;
  for (const batch of batches) {
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    if (last + 1n > next) next = last + 1n;
    if (batch.attributes & CONTROL) continue;
    const appendTime = batch.attributes & LOG_APPEND_TIME ? batch.maxTimestamp : undefined;
    for (const r of batch.records) {
      const offset = batch.firstOffset + BigInt(r.offsetDelta);
      if (offset < from) continue;
      records.push(new PlatformaticRecord(topic, partition, offset, appendTime ?? batch.firstTimestamp + r.timestampDelta, r));
    }
  }
  return { records, next };
}
