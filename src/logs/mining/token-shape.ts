import { WILDCARD } from './types.js';

const hasDigit = /\d/;
const placeholder = /<[A-Z]+>/;
const placeholders = /<[A-Z]+>/g;
// A sign belongs to its number: "blk_-42" and "blk_42" have the same shape.
const digitRun = /-?[A-Za-z0-9]*\d[A-Za-z0-9]*/g;
// Hex values without a digit ("ffffffff", "deadbeef"): eight or more hex letters on their own.
const hexLetters = /(?<![A-Za-z0-9])[a-f]{8,}(?![A-Za-z0-9])/g;
const hexLetter = /(?<![A-Za-z0-9])[a-f]{8,}(?![A-Za-z0-9])/;
const onlyValues = /^(?:<\*>[^A-Za-z<]?)+$/;

/** Tokens with digits are usually values (ids, counts, addresses); mask placeholders are values too. */
export function looksVariable(token: string): boolean {
  if (hasDigit.test(token)) return true;
  if (token.includes('<') && (token.includes(WILDCARD) || placeholder.test(token))) return true;
  return token.length >= 8 && hexLetter.test(token);
}

/**
 * A token as a template holds it: every alphanumeric run containing a digit (an id, a count, a
 * hex value) or a mask placeholder becomes a wildcard, so "ambient=30" and "ambient=31" share
 * "ambient=<*>"; a token made of nothing but values collapses to one wildcard.
 */
export function shapeToken(token: string): string {
  if (token === WILDCARD || !looksVariable(token) || isDeviceName(token)) return token;
  const hex = token.length >= 8 ? token.replace(hexLetters, '0') : token;
  const shaped = hex.replace(placeholders, '0').replace(digitRun, WILDCARD);
  return onlyValues.test(shaped) ? WILDCARD : shaped;
}

/**
 * Letters and one digit: a device or interface name (eth0, en0, sda1, wl0). Such a name is kept
 * as it is, so a position holding a few of them tells events apart like a word does; the word
 * slots turn it into a variable when there are more.
 */
const deviceName = /^[A-Za-z]{2,}\d[.,:;)]?$/;

export function isDeviceName(token: string): boolean {
  return deviceName.test(token);
}

/**
 * Share of positions where template and line agree (Drain's simSeq). A template wildcard agrees
 * with a value-looking token, never with a word: words are what tell templates apart. `params`
 * (wildcard count) breaks ties in favour of the more general template, as Drain does.
 */
export function similarity(template: readonly string[], tokens: readonly string[]): { sim: number; params: number } {
  let same = 0;
  let params = 0;
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    const token = tokens[i]!;
    if (t === WILDCARD) {
      params++;
      if (looksVariable(token)) same++;
    } else if (t === token) same++;
  }
  return { sim: template.length === 0 ? 1 : same / template.length, params };
}

/** Whether the template accounts for every token: its constants all equal the line's. */
export function covers(template: readonly string[], tokens: readonly string[]): boolean {
  return template.length === tokens.length && template.every((t, i) => t === WILDCARD || t === tokens[i]);
}

/** The template generalised to cover the line, or undefined when it already does. */
export function mergeTokens(template: readonly string[], tokens: readonly string[]): string[] | undefined {
  let changed = false;
  const out = template.map((t, i) => {
    if (t === WILDCARD || t === tokens[i]) return t;
    changed = true;
    return WILDCARD;
  });
  return changed ? out : undefined;
}

/** The (masked) tokens at the template's variable positions, whole or partial ("blk_<*>"). */
export function extractParameters(template: readonly string[], tokens: readonly string[]): string[] {
  const params: string[] = [];
  template.forEach((t, i) => {
    if (t.includes(WILDCARD)) params.push(tokens[i] ?? '');
  });
  return params;
}
