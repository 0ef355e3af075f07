import { constants, mkdirSync } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FileLock } from './file-lock.js';
import { MAGIC, WindowReader, encode } from './file-format.js';
import { SerialQueue } from '../serial-queue.js';
import { BufferedChangelog } from './buffered-changelog.js';
import type { RestoredState } from './types.js';
import type { Write } from './write-buffer.js';

export interface FileChangelogOptions {
  partitions: number;
  maxValueBytes: number;
  /** Compact once the file is at least this large and at least half of it superseded (default 1 MiB). */
  compactFromBytes?: number;
}

/** Where a key's latest record lies in the file. */
interface Entry {
  partition: number;
  key: string;
  pos: number;
  size: number;
  tombstone: boolean;
}

/**
 * The changelog of the embedded default (the in-process bus keeps nothing across a restart):
 * one append-only file per topic, `<dir>/<topic>.changelog`, with the semantics of the compacted
 * topic — latest value per key and partition, tombstones delete, a restore reads only the
 * partitions asked for. A flush is one append and an fdatasync; when more than half the file is
 * superseded it is rewritten with the live records only (written aside, then renamed over, so a
 * crash leaves the old file or the new one). A record torn by a crash mid-append fails its CRC
 * and is cut off at the next open. One process at a time: a lock file holds the owner's pid.
 */
export class FileChangelog extends BufferedChangelog {
  private readonly index = new Map<string, Entry>();
  private liveBytes = 0;
  private size = MAGIC.length;
  /** Flushes, restores and compactions, one at a time. */
  private readonly io = new SerialQueue();
  private readonly compactFrom: number;

  private constructor(
    topic: string,
    private readonly path: string,
    private file: FileHandle,
    private readonly lock: FileLock,
    options: FileChangelogOptions,
  ) {
    super(topic, options);
    this.compactFrom = options.compactFromBytes ?? 1024 * 1024;
  }

  static async open(dir: string, topic: string, options: FileChangelogOptions): Promise<FileChangelog> {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${topic}.changelog`);
    const lock = FileLock.take(`${path}.lock`);
    try {
      const file = await open(path, constants.O_RDWR | constants.O_CREAT);
      const store = new FileChangelog(topic, path, file, lock, options);
      await store.load();
      return store;
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  flush(): Promise<void> {
    return this.serial(async () => {
      if (!(await this.writeBuffered((writes) => this.append(writes)))) return;
      if (this.size >= this.compactFrom && this.size - MAGIC.length > 2 * this.liveBytes) await this.compact();
    });
  }

  restore(partitions: number[]): Promise<RestoredState> {
    return this.serial(async () => {
      const state: RestoredState = new Map(partitions.map((p) => [p, new Map<string, Buffer>()]));
      // Only the live records of the partitions asked for, in file order.
      const wanted = [...this.index.values()].filter((e) => !e.tombstone && state.has(e.partition)).sort((a, b) => a.pos - b.pos);
      const reader = new WindowReader(this.file, this.size);
      for (const e of wanted) {
        const r = await reader.record(e.pos);
        if (!r || r.value === null) throw new Error(`${this.path}: the record of ${e.key} at ${e.pos} no longer reads back`);
        state.get(e.partition)!.set(e.key, Buffer.from(r.value));
      }
      return state;
    });
  }

  close(): Promise<void> {
    return this.serial(async () => {
      await this.file.close();
      this.lock.release();
    });
  }

  /** Builds the index from the file; cuts off a torn tail; compacts a file mostly superseded. */
  private async load(): Promise<void> {
    const { size } = await this.file.stat();
    if (size === 0) {
      await this.file.write(MAGIC, 0, MAGIC.length, 0);
      await this.file.datasync();
      return;
    }
    const reader = new WindowReader(this.file, size);
    const magic = await reader.bytes(0, MAGIC.length);
    if (!magic?.equals(MAGIC)) throw new Error(`${this.path} is not a Vigil changelog file`);
    let pos = MAGIC.length;
    for (let r = await reader.record(pos); r; r = await reader.record(pos)) {
      this.note({ partition: r.partition, key: r.key, pos: r.pos, size: r.size, tombstone: r.value === null });
      pos += r.size;
    }
    if (pos < size) {
      console.error(`${this.path}: ${size - pos} bytes after offset ${pos} do not read back (an append cut short by a crash): dropped`);
      await this.file.truncate(pos);
      await this.file.datasync();
    }
    this.size = pos;
    if (this.size >= this.compactFrom && this.size - MAGIC.length > 2 * this.liveBytes) await this.compact();
  }

  private async append(writes: Write[]): Promise<void> {
    const encoded = writes.map((w) => encode(w.partition, w.key, w.value));
    const bytes = Buffer.concat(encoded);
    await this.file.write(bytes, 0, bytes.length, this.size);
    await this.file.datasync();
    let pos = this.size;
    writes.forEach((w, i) => {
      this.note({ partition: w.partition, key: w.key, pos, size: encoded[i]!.length, tombstone: w.value === null });
      pos += encoded[i]!.length;
    });
    this.size = pos;
  }

  /** The latest record of its key: the one before it is superseded. */
  private note(e: Entry): void {
    const id = `${e.partition}\u0000${e.key}`;
    const before = this.index.get(id);
    if (before && !before.tombstone) this.liveBytes -= before.size;
    if (e.tombstone) this.index.delete(id);
    else {
      this.index.set(id, e);
      this.liveBytes += e.size;
    }
  }

  /** Rewrites the file with its live records only, aside, then renamed over the old one. */
  private async compact(): Promise<void> {
    const aside = `${this.path}.compacting`;
    const out = await open(aside, 'w');
    const reader = new WindowReader(this.file, this.size);
    const entries = [...this.index.values()].sort((a, b) => a.pos - b.pos);
    const moved: number[] = [];
    try {
      // Records copied into chunks of about 1 MiB: one write each.
      let chunk: Buffer[] = [MAGIC];
      let chunkBytes = MAGIC.length;
      let written = 0;
      const writeChunk = async () => {
        const bytes = Buffer.concat(chunk, chunkBytes);
        await out.write(bytes, 0, bytes.length, written);
        written += bytes.length;
        chunk = [];
        chunkBytes = 0;
      };
      let pos = MAGIC.length;
      for (const e of entries) {
        const bytes = await reader.bytes(e.pos, e.size);
        if (!bytes) throw new Error(`${this.path}: the record of ${e.key} at ${e.pos} no longer reads back`);
        chunk.push(bytes);
        chunkBytes += bytes.length;
        moved.push(pos);
        pos += e.size;
        if (chunkBytes >= 1024 * 1024) await writeChunk();
      }
      await writeChunk();
      await out.datasync();
      await out.close();
      await rename(aside, this.path);
      await syncDir(this.path);
      // The index moves to the new file only once it has replaced the old one.
      entries.forEach((e, i) => (e.pos = moved[i]!));
      await this.file.close();
      this.file = await open(this.path, 'r+');
      this.size = pos;
    } catch (err) {
      await out.close().catch(() => {});
      throw err;
    }
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    return this.io.run(task);
  }
}

/** The rename is durable once the directory is synced. */
async function syncDir(path: string): Promise<void> {
  const dir = await open(join(path, '..'), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
