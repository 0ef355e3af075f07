import type { BusRecord, Headers } from '../bus/types.js';

/**
 * A fetched record whose headers stay the client's buffers until someone reads them: the hot
 * path asks for one (`header('traceparent')`) and most records are never asked for all, so
 * copying every header of every record into strings (about 1 µs a record) is left out. Each
 * Kafka client's record says how to read one header and all of them from its own form.
 */
export abstract class FetchedRecord implements BusRecord {
  private strings: Headers | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    readonly key: Buffer | null,
    readonly value: Buffer | null,
    readonly timestamp: number,
  ) {}

  get headers(): Headers {
    return (this.strings ??= this.allHeaders());
  }

  header(name: string): string | undefined {
    return this.strings ? this.strings[name] : this.oneHeader(name);
  }

  protected abstract allHeaders(): Headers;
  protected abstract oneHeader(name: string): string | undefined;
}
