import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

/**
 * The file changelog's layout: a magic, then records appended one after another, each
 *   u32 body length | u32 CRC-32 of the body | body
 * with the body
 *   u8 kind (0 snapshot, 1 tombstone) | u32 partition | u32 key length | key (UTF-8) | value.
 * The CRC finds a record torn by a crash in the middle of an append.
 */
export const MAGIC = Buffer.from('VIGILCL1');
const HEADER = 8;
const BODY_FIXED = 9;

export interface FileRecord {
  /** Where the record starts and how many bytes it takes, header included. */
  pos: number;
  size: number;
  partition: number;
  key: string;
  /** null: a tombstone. A view into the reader's window: copy it to keep it. */
  value: Buffer | null;
}

export function encode(partition: number, key: string, value: Buffer | null): Buffer {
  const k = Buffer.from(key, 'utf8');
  const body = Buffer.allocUnsafe(BODY_FIXED + k.length + (value?.length ?? 0));
  body.writeUInt8(value === null ? 1 : 0, 0);
  body.writeUInt32BE(partition, 1);
  body.writeUInt32BE(k.length, 5);
  k.copy(body, BODY_FIXED);
  value?.copy(body, BODY_FIXED + k.length);
  const header = Buffer.allocUnsafe(HEADER);
  header.writeUInt32BE(body.length, 0);
  header.writeUInt32BE(crc32(body), 4);
  return Buffer.concat([header, body]);
}

/** Reads a file through a window of at least `chunk` bytes, so a sequential walk makes few reads. */
export class WindowReader {
  private start = 0;
  private window = Buffer.alloc(0);

  constructor(
    private readonly file: FileHandle,
    private readonly size: number,
    private readonly chunk = 4 * 1024 * 1024,
  ) {}

  /** `length` bytes at `pos`, or undefined if the file ends first. */
  async bytes(pos: number, length: number): Promise<Buffer | undefined> {
    if (pos + length > this.size) return undefined;
    if (pos < this.start || pos + length > this.start + this.window.length) {
      const want = Math.min(Math.max(length, this.chunk), this.size - pos);
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await this.file.read(buf, 0, want, pos);
      this.start = pos;
      this.window = buf.subarray(0, bytesRead);
      if (bytesRead < length) return undefined;
    }
    return this.window.subarray(pos - this.start, pos - this.start + length);
  }

  /** The record at `pos`, or undefined if it is cut short or fails its CRC (a torn append). */
  async record(pos: number): Promise<FileRecord | undefined> {
    const header = await this.bytes(pos, HEADER);
    if (!header) return undefined;
    const length = header.readUInt32BE(0);
    if (length < BODY_FIXED) return undefined;
    const body = await this.bytes(pos + HEADER, length);
    if (!body || crc32(body) !== header.readUInt32BE(4)) return undefined;
    const keyLength = body.readUInt32BE(5);
    if (BODY_FIXED + keyLength > length) return undefined;
    const tombstone = body.readUInt8(0) === 1;
    return {
      pos,
      size: HEADER + length,
      partition: body.readUInt32BE(1),
      key: body.toString('utf8', BODY_FIXED, BODY_FIXED + keyLength),
      value: tombstone ? null : body.subarray(BODY_FIXED + keyLength),
    };
  }
}
