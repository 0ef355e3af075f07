import type { Bus } from '../bus/types.js';
import { SerialQueue } from '../serial-queue.js';
import { BufferedChangelog } from './buffered-changelog.js';
import type { RestoredState } from './types.js';

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
export class BusChangelog extends BufferedChangelog {
  /** Flushes, one at a time in call order. */
  private readonly flushes = new SerialQueue();

  constructor(
    private readonly bus: Bus,
    topic: string,
    options: BusChangelogOptions,
  ) {
    super(topic, options);
  }

  flush(): Promise<void> {
    return this.flushes.run(() => this.flushOnce());
  }

  private async flushOnce(): Promise<void> {
    await this.writeBuffered((writes) => this.bus.send(writes.map((w) => ({ topic: this.topic, key: w.key, value: w.value, partition: w.partition }))));
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
    await this.flushes.idle();
  }
}
