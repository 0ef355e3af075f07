import { looksVariable } from './token-shape.js';
import { WILDCARD } from './types.js';

/**
 * Drain groups by token count, so one message with an optional or multi-token value ("0 bytes
 * sent" / "1190 bytes (1.16 KB) sent", "lifetime 00:01" / "lifetime <1 sec") splits into
 * several templates. Two templates of different lengths are the same event when their tokens
 * align so that every stretch left unaligned holds a value and at most `maxWords` other tokens,
 * or is a single unit word after a value.
 */
export function sameEventAcrossLengths(template: readonly string[], line: readonly string[], maxWords = 1): boolean {
  const a = template;
  const b = line;
  if (a.length === b.length) return false;
  const pairs = align(a, b);
  let constants = 0;
  let prevA = -1;
  let prevB = -1;
  for (const [i, j] of [...pairs, [a.length, b.length] as const]) {
    const gapA = a.slice(prevA + 1, i);
    const gapB = b.slice(prevB + 1, j);
    const afterValue = prevA >= 0 && looksVariable(a[prevA]!);
    // A bare wildcard in the template may stand for words merged by Drain, so it is no proof
    // of a value there; the line's own tokens are what they look like.
    const ok = (gapIsValue(gapA, maxWords, isShapedValue) && gapIsValue(gapB, maxWords, looksVariable)) || (afterValue && isUnit(gapA, gapB));
    if (!ok) return false;
    if (i < a.length && !looksVariable(a[i]!)) constants++;
    prevA = i;
    prevB = j;
  }
  return constants >= 2;
}

function same(x: string, y: string): boolean {
  return x === y || (looksVariable(x) && looksVariable(y));
}

/** An unaligned stretch is fine when empty, or when it holds a value and few other tokens. */
function gapIsValue(gap: readonly string[], maxWords: number, isValue: (t: string) => boolean): boolean {
  if (gap.length === 0) return true;
  const values = gap.filter(isValue).length;
  return values > 0 && gap.length - values <= maxWords;
}

function isShapedValue(token: string): boolean {
  return token !== WILDCARD && looksVariable(token);
}

/** One side adds a short word right after a value: its unit ("<1 sec" against "00:01"). */
function isUnit(gapA: readonly string[], gapB: readonly string[]): boolean {
  const [short, long] = gapA.length <= gapB.length ? [gapA, gapB] : [gapB, gapA];
  return short.length === 0 && long.length === 1 && unitWord.test(long[0]!);
}

const unitWord = /^[A-Za-z]{1,4}[.,;)]?$/;

/** Longest common subsequence of the two token lists, as index pairs in order. */
function align(a: readonly string[], b: readonly string[]): [number, number][] {
  const n = a.length;
  const m = b.length;
  const dp = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i]![j] = same(a[i]!, b[j]!) ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
    }
  }
  const pairs: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (same(a[i]!, b[j]!) && dp[i]![j] === dp[i + 1]![j + 1]! + 1) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) i++;
    else j++;
  }
  return pairs;
}
