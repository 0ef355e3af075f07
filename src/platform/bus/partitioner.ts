/**
 * Kafka's default partitioner (murmur2 of the key, positive, modulo partitions), so the
 * in-process bus puts a key on the same partition number Kafka would.
 */
export function partitionForKey(key: string | Buffer, partitions: number): number {
  const data = typeof key === 'string' ? Buffer.from(key) : key;
  return (murmur2(data) & 0x7fffffff) % partitions;
}

function murmur2(data: Buffer): number {
  const m = 0x5bd1e995;
  const r = 24;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const len4 = length >> 2;
  for (let i = 0; i < len4; i++) {
    const i4 = i * 4;
    let k = (data[i4]! & 0xff) + ((data[i4 + 1]! & 0xff) << 8) + ((data[i4 + 2]! & 0xff) << 16) + ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = length % 4;
  const index = length & ~3;
  if (rest === 3) h ^= (data[index + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[index + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[index]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}
