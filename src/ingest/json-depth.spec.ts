import { describe, expect, it } from 'vitest';
import { IngestError } from './types.js';
import { MAX_JSON_DEPTH, assertShallow } from './json-depth.js';

const nested = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 1; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
};

describe('assertShallow', () => {
  it('passes bodies up to the limit and refuses deeper ones with a 400 that names where', () => {
    expect(() => assertShallow(nested(MAX_JSON_DEPTH))).not.toThrow();
    let err: unknown;
    try {
      assertShallow(nested(MAX_JSON_DEPTH + 2), 'line 3');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).status).toBe(400);
    expect((err as IngestError).message).toBe(`line 3 nests deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('walks 100,000 levels without running out of stack', () => {
    expect(() => assertShallow(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)))).toThrow(/nests deeper/);
  });
});
