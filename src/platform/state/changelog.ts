import type { Bus, OutRecord } from '../bus/types.js';
import type { Changelog, RestoredState } from './types.js';
import { WriteBuffer } from './write-buffer.js';

export interface BusChangelogOptions {
  /** The topic's partition count: that of the input it is co-partitioned with. */
  partitions: number;
  /** Larger snapshots are refused at put() (the topic's max.message.bytes, less room for the key and headers). */
  maxValueBytes: number;
}

/**
 * A changelog on the bus: on Kafka the compacted topic itself, on the in-process bus its
 * in-memory log (gone when the process ends). Each write goes to the partition given with it,
 * the input partition its key's records came from — co-partitioning, so the member that owns
 * input partition p finds its keys in changelog partition p and reads only that.
 */
export class BusChangelog implements Changelog {
  private readonly buffer: WriteBuffer;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: Bus,
    readonly topic: string,
    options: BusChangelogOptions,
  ) {
    this.buffer = new WriteBuffer(`changelog ${topic}`, options.partitions, options.maxValueBytes);
  }

  put(key: string, partition: number, value: Buffer): void {
    this.buffer.set(partition, key, value);
  }

  delete(key: string, partition: number): void {
    this.buffer.set(partition, key, null);
  }

  get pending(): number {
    return this.buffer.size;
  }

  flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushOnce());
    this.flushing = run.catch(() => {});
    return run;
  }

  private async flushOnce(): Promise<void> {
    const writes = this.buffer.take();
    if (writes.length === 0) return;
    const records: OutRecord[] = writes.map((w) => ({ topic: this.topic, key: w.key, value: w.value, partition: w.partition }));
    try {
      await this.bus.send(records);
    } catch (err) {
      this.buffer.putBack(writes);
      throw err;
    }
  }

  discard(partitions: number[]): void {
    this.buffer.discard(partitions);
  }

  async restore(partitions: number[]): Promise<RestoredState> {
    const state: RestoredState = new Map(partitions.map((p) => [p, new Map<string, Buffer>()]));
    await this.bus.scan(this.topic, partitions, (records) => {
      for (const r of records) {
        const keys = state.get(r.partition);
        if (!keys || r.key === null) continue;
        const key = r.key.toString('utf8');
        if (r.value === null) keys.delete(key);
        else keys.set(key, r.value);
      }
    });
    // A fetched value may be a view into its whole fetch response: copy the survivors, so the
    // responses of overwritten snapshots can be collected.
    for (const keys of state.values()) for (const [k, v] of keys) keys.set(k, Buffer.from(v));
    return state;
  }

  async close(): Promise<void> {
    await this.flushing;
  }
}
