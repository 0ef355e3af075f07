import { RE2JS } from 're2js';
import type { Matcher } from './types.js';

/**
 * Silence matchers, as Alertmanager's: `name op value` over a finding's or incident's attributes
 * (entity, kind, environment, severity, source and every label). Regexes are anchored and, as
 * in Alertmanager and Prometheus, have RE2 semantics: matched in time linear in the input
 * (re2js, no backtracking), so a silence's pattern — user input — cannot hang the service
 * (JavaScript's engine takes exponential time on `(a+)+$` and the like). RE2 has no
 * backreferences or lookarounds; a pattern using them is refused when the silence is created.
 * A silence applies when every matcher holds; a missing attribute is the empty string.
 */
export function matchesAll(matchers: readonly Matcher[], attrs: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => matchOne(m, attrs[m.name] ?? ''));
}

function matchOne(m: Matcher, actual: string): boolean {
  switch (m.op) {
    case '=':
      return actual === m.value;
    case '!=':
      return actual !== m.value;
    case '=~':
      return fullMatch(m.value, actual) === true;
    case '!~':
      return fullMatch(m.value, actual) === false;
  }
}

/** Whether `pattern` matches all of `actual`; undefined for a pattern RE2 cannot compile (one stored before patterns were checked as RE2): such a matcher never holds. */
function fullMatch(pattern: string, actual: string): boolean | undefined {
  try {
    return compiled(pattern).testExact(actual);
  } catch {
    return undefined;
  }
}

const cache = new Map<string, RE2JS>();
/** The pattern compiled once; matched against the whole value (testExact), so it is anchored as Alertmanager's are. */
function compiled(source: string): RE2JS {
  let re = cache.get(source);
  if (!re) {
    re = RE2JS.compile(source);
    if (cache.size > 1000) cache.clear();
    cache.set(source, re);
  }
  return re;
}

/** Throws with what is wrong (a bad regex, an unknown operator): the API answers 400 with it. */
export function checkMatcher(m: unknown, where: string): Matcher {
  if (typeof m !== 'object' || m === null) throw new Error(`${where}: must be an object {name, value, op}`);
  const { name, value, op = '=' } = m as Record<string, unknown>;
  if (typeof name !== 'string' || name === '') throw new Error(`${where}.name: must be a non-empty string`);
  if (typeof value !== 'string') throw new Error(`${where}.value: must be a string`);
  if (op !== '=' && op !== '!=' && op !== '=~' && op !== '!~') throw new Error(`${where}.op: must be one of =, !=, =~, !~`);
  if (op === '=~' || op === '!~') {
    try {
      compiled(value);
    } catch (e) {
      throw new Error(`${where}.value: not a valid regular expression (${(e as Error).message})`);
    }
  }
  return { name, value, op };
}

/** `*` any run of characters, `?` one; everything else literal. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}
