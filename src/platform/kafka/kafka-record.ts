import type kafkajs from 'kafkajs';
import type { BusRecord, Headers } from '../bus/types.js';
import { FetchedRecord } from './fetched-record.js';

/** A fetched kafkajs message as a BusRecord, its headers converted when read (see FetchedRecord). */
export class KafkaRecord extends FetchedRecord {
  constructor(
    topic: string,
    partition: number,
    private readonly message: kafkajs.KafkaMessage,
  ) {
    super(topic, partition, message.offset, message.key, message.value, Number(message.timestamp));
  }

  protected allHeaders(): Headers {
    return stringHeaders(this.message.headers);
  }

  protected oneHeader(name: string): string | undefined {
    const v = this.message.headers?.[name];
    return v === undefined ? undefined : headerString(v);
  }
}

export function kafkaRecords(topic: string, partition: number, messages: kafkajs.KafkaMessage[]): BusRecord[] {
  const out = new Array<BusRecord>(messages.length);
  for (let i = 0; i < messages.length; i++) out[i] = new KafkaRecord(topic, partition, messages[i]!);
  return out;
}

function headerString(v: Buffer | string | Array<Buffer | string> | undefined): string | undefined {
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined) return undefined;
  return Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

function stringHeaders(headers: kafkajs.IHeaders | undefined): Headers {
  const out: Headers = {};
  if (!headers) return out;
  for (const k of Object.keys(headers)) {
    const s = headerString(headers[k]);
    if (s !== undefined) out[k] = s;
  }
  return out;
}
