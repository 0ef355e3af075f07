import { createHash } from 'node:crypto';

/**
 * A deterministic id, UUID-shaped: the same inputs always give the same id, so an output
 * re-produced after a crash carries the id it had the first time and consumers can drop it.
 * Build it from where the output came from (topic, partition, offset) and what it is.
 */
export function messageId(...parts: Array<string | number>): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  // Version 8 (custom) UUID layout with the RFC 9562 variant bits.
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The id of the output derived from one input record. */
export function derivedId(source: { topic: string; partition: number; offset: string }, kind: string): string {
  return messageId(source.topic, source.partition, source.offset, kind);
}
