import type { Matcher } from './types.js';

/**
 * Silence matchers, as Alertmanager's: `name op value` over a finding's or incident's attributes
 * (entity, kind, environment, severity, source and every label). Regexes are anchored. A silence
 * applies when every matcher holds; a missing attribute is the empty string.
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
      return anchored(m.value).test(actual);
    case '!~':
      return !anchored(m.value).test(actual);
  }
}

const cache = new Map<string, RegExp>();
function anchored(source: string): RegExp {
  let re = cache.get(source);
  if (!re) {
    re = new RegExp(`^(?:${source})$`);
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
      anchored(value);
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
