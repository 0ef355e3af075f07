import { describe, expect, it } from 'vitest';
import { derivedId, messageId } from './message-id.js';

describe('messageId', () => {
  it('is the same for the same parts and differs otherwise', () => {
    expect(messageId('a', 1, 'b')).toBe(messageId('a', 1, 'b'));
    expect(messageId('a', 1, 'b')).not.toBe(messageId('a', 1, 'c'));
    // Parts are separated, so shifting text between parts changes the id.
    expect(messageId('ab', 'c')).not.toBe(messageId('a', 'bc'));
  });

  it('is UUID-shaped with the version 8 and RFC variant bits', () => {
    expect(messageId('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('derives from the source record position', () => {
    const src = { topic: 't', partition: 2, offset: '41' };
    expect(derivedId(src, 'score')).toBe(messageId('t', 2, '41', 'score'));
  });
});
