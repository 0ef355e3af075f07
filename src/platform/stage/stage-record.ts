import type { Context } from '@opentelemetry/api';
import type { BusRecord, Headers } from '../bus/types.js';
import type { InRecord } from './types.js';

/**
 * The InRecord a stage hands its handler: the decoded value and its place are fields; the key
 * and headers are converted from the fetched bytes only when read, which most handlers never do
 * (about 0.2 and 1 µs a record). Once the batch is done the record lets go of the fetched
 * message (`detach`): a service that keeps records (a step's last input, say) must not keep the
 * fetch buffers behind them alive. What was read before stays readable; a key or headers first
 * read after the batch is a bug in the service, and throws saying so.
 */
export class StageRecord<T> implements InRecord<T> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: number;
  private source: BusRecord | undefined;
  private keyString: string | null | undefined;
  private headerStrings: Headers | undefined;

  constructor(
    source: BusRecord,
    readonly value: T,
    readonly trace: Context,
    /** The producer sampled its trace: outputs made from this record carry it on. */
    readonly traced: boolean,
  ) {
    this.source = source;
    this.topic = source.topic;
    this.partition = source.partition;
    this.offset = source.offset;
    this.timestamp = source.timestamp;
  }

  get key(): string | null {
    if (this.keyString === undefined) {
      const key = this.held('key').key;
      this.keyString = key === null ? null : key.toString('utf8');
    }
    return this.keyString;
  }

  get headers(): Headers {
    return (this.headerStrings ??= this.held('headers').headers);
  }

  /** The batch is done: drop the fetched message. */
  detach(): void {
    this.source = undefined;
  }

  private held(what: string): BusRecord {
    if (!this.source) throw new Error(`${this.topic}/${this.partition}@${this.offset}: its ${what} ${what === 'key' ? 'was' : 'were'} not read during its batch, and the fetched record is gone; read ${what === 'key' ? 'it' : 'them'} in the handler`);
    return this.source;
  }
}
