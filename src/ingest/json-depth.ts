import { IngestError } from './types.js';

/**
 * Deeper than any OTLP/JSON or plain-JSON body nests (OTLP's deepest, a kvlist attribute
 * value, is about a dozen levels). Deeper input is refused before anything recursive
 * (JSON.stringify, the normalisers) walks it and runs out of stack.
 */
export const MAX_JSON_DEPTH = 64;

/** Throws a 400 naming `where` when `value` nests deeper than MAX_JSON_DEPTH; walks without recursion. */
export function assertShallow(value: unknown, where = 'the body'): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) throw new IngestError(400, 'invalid', `${where} nests deeper than ${MAX_JSON_DEPTH} levels`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
}
