import type { Changelog, RestoredState } from './types.js';
import { WriteBuffer, type Write } from './write-buffer.js';

/**
 * What every changelog does alike before its writes reach storage: puts and tombstones wait in a
 * buffer (the latest per key), partitions that moved away are discarded from it, and a failed
 * write goes back into it for the next flush. Subclasses say how writes are stored and read back.
 */
export abstract class BufferedChangelog implements Changelog {
  private readonly buffer: WriteBuffer;

  protected constructor(
    readonly topic: string,
    options: { partitions: number; maxValueBytes: number },
  ) {
    this.buffer = new WriteBuffer(`changelog ${topic}`, options.partitions, options.maxValueBytes);
  }

  abstract flush(): Promise<void>;
  abstract restore(partitions: number[]): Promise<RestoredState>;
  abstract close(): Promise<void>;

  put(key: string, partition: number, value: Buffer): void {
    this.buffer.set(partition, key, value);
  }

  delete(key: string, partition: number): void {
    this.buffer.set(partition, key, null);
  }

  get pending(): number {
    return this.buffer.size;
  }

  discard(partitions: number[]): void {
    this.buffer.discard(partitions);
  }

  /**
   * Hands what is buffered to `store`; if it fails, the writes go back into the buffer (unless
   * replaced meanwhile) and the error is thrown. False when there was nothing to write.
   */
  protected async writeBuffered(store: (writes: Write[]) => Promise<void>): Promise<boolean> {
    const writes = this.buffer.take();
    if (writes.length === 0) return false;
    try {
      await store(writes);
    } catch (err) {
      this.buffer.putBack(writes);
      throw err;
    }
    return true;
  }
}
