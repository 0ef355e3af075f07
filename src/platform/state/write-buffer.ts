/** One buffered write: a snapshot, or null for a tombstone. */
export interface Write {
  partition: number;
  key: string;
  value: Buffer | null;
}

/**
 * Writes waiting for a flush, the latest per key and partition: a key put ten times between
 * two flushes is written once, as a compacted topic would keep it anyway.
 */
export class WriteBuffer {
  private writes = new Map<string, Write>();

  constructor(
    private readonly what: string,
    private readonly partitions: number,
    private readonly maxValueBytes: number,
  ) {}

  get size(): number {
    return this.writes.size;
  }

  set(partition: number, key: string, value: Buffer | null): void {
    if (!Number.isInteger(partition) || partition < 0 || partition >= this.partitions) {
      throw new Error(`${this.what} has partitions 0-${this.partitions - 1}, not ${partition}`);
    }
    if (value !== null && value.length > this.maxValueBytes) {
      throw new Error(`${this.what}: the snapshot of ${key} is ${value.length} bytes, the limit is ${this.maxValueBytes}`);
    }
    this.writes.set(id(partition, key), { partition, key, value });
  }

  /** Everything buffered, which is cleared. */
  take(): Write[] {
    const all = [...this.writes.values()];
    this.writes = new Map();
    return all;
  }

  /** Writes whose flush failed go back, unless their key was written again since. */
  putBack(writes: Write[]): void {
    for (const w of writes) {
      const k = id(w.partition, w.key);
      if (!this.writes.has(k)) this.writes.set(k, w);
    }
  }

  discard(partitions: number[]): void {
    const gone = new Set(partitions);
    for (const [k, w] of this.writes) if (gone.has(w.partition)) this.writes.delete(k);
  }
}

function id(partition: number, key: string): string {
  return `${partition}\u0000${key}`;
}
