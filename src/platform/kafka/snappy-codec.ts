import { compressSync, uncompressSync } from 'snappy';

/** Java clients frame snappy the xerial way: a magic header, then length-prefixed blocks. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

function decode(data: Buffer): Buffer {
  if (data.length < XERIAL_HEADER_BYTES || !data.subarray(0, 8).equals(XERIAL_MAGIC)) {
    return uncompressSync(data) as Buffer;
  }
  const blocks: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at < data.length) {
    const size = data.readUInt32BE(at);
    at += 4;
    blocks.push(uncompressSync(data.subarray(at, at + size)) as Buffer);
    at += size;
  }
  return Buffer.concat(blocks);
}

/** A kafkajs codec for Snappy on the maintained native `snappy` package. */
export function snappyCodec() {
  return {
    async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
      return compressSync(encoder.buffer);
    },
    async decompress(buffer: Buffer): Promise<Buffer> {
      return decode(buffer);
    },
  };
}
