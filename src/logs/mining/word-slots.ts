import { isDeviceName } from './token-shape.js';
import { WILDCARD } from './types.js';

/**
 * Words seen at a template's wildcard positions, up to a small limit. Drain merges lines that
 * differ in one word ("VM Started" / "VM Paused"), yet a position that only ever holds a few
 * distinct words is usually part of the message, not a value; past the limit it is a value
 * (user names, hosts). `null` marks a position that passed the limit.
 */
export type WordSlots = (string[] | null)[];

/**
 * Only words count, alone or as the value of a key ("state=RUNNING"): host names, paths and
 * punctuation are values or noise. Quotes, brackets or parentheses around a word do not make it
 * a value ('Active', (view), powerd)), nor does a bracketed or qualified form of words
 * (WWEN[enable], Device::start).
 */
const plainWord = /^(?:[A-Za-z][\w.-]*=)?['"(\[]?[A-Za-z][A-Za-z_-]*['")\]]?[.,:;!]?$/;
const compoundWord = /^[A-Za-z][A-Za-z_-]*(?:\[[A-Za-z_-]+\]|(?:::[A-Za-z][A-Za-z_]*)+)[.,:;!]?$/;

export function isWord(token: string): boolean {
  return plainWord.test(token) || compoundWord.test(token) || isDeviceName(token);
}

/** Slots of a new template: a value already at a position is recorded there (see note). */
export function emptySlots(shape: readonly string[]): WordSlots {
  return shape.map((t) => (t === WILDCARD ? [WILDCARD] : []));
}

/** Record the words a line brings to the wildcard positions (and the constants a merge just replaced). */
/** Returns whether any slot's words changed (values alone do not count: see slotWordCounts). */
export function recordWords(slots: WordSlots, before: readonly string[], after: readonly string[], line: readonly string[], limit: number): boolean {
  let changed = false;
  after.forEach((t, i) => {
    if (t !== WILDCARD) return;
    // A unit that changes with its value ("5.2 KB" / "93.0 B") belongs to the value.
    if (i > 0 && after[i - 1]!.includes(WILDCARD) && (isUnit(line[i]!) || isUnit(before[i]!))) {
      changed ||= slots[i]?.some((w) => w !== WILDCARD) ?? false;
      slots[i] = null;
      return;
    }
    const old = before[i]!;
    if (old !== WILDCARD) changed = note(slots, i, old, limit) || changed;
    changed = note(slots, i, line[i]!, limit) || changed;
  });
  return changed;
}

/**
 * Units of measure that follow a number: bytes (B, KB, KiB ... and bits/s), time (ns ... days),
 * percent, frequency. A general list, not tied to any one source.
 */
const unit = /^(?:[kKMGTP]?i?[Bb]|bytes?|[kKMG]?bps|[kKMG]?Hz|[nuµm]?s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|days?|%)[.,;:)]?$/;

export function isUnit(token: string): boolean {
  return unit.test(token);
}

/**
 * A key with a value ("(uid=<*>)", "mask=<*>") stands in a slot as its key ("(uid=<*>"): the key
 * is part of the message, its value is not. Other tokens stand for themselves.
 */
const keyedValue = /^([^=\s]*[A-Za-z][^=\s]*=)\S*<\*>\S*$/;

function slotEntry(token: string): string {
  if (!token.includes('=') || !token.includes(WILDCARD)) return token;
  const m = keyedValue.exec(token);
  return m ? `${m[1]}${WILDCARD}` : token;
}

/** Punctuation alone ("****", "-", "?"): a marker standing where a reading is missing. */
const marker = /^[^\w\s<>]+$/;

function note(slots: WordSlots, i: number, token: string, limit: number): boolean {
  const seen = slots[i];
  const word = slotEntry(token);
  if (seen === null || seen === undefined || seen.includes(word)) return false;
  // A position that also holds names, paths or numbers is a value position: words there are
  // values too. The one exception: bare values beside markers only ("3552" / "****") keep the
  // marker apart as its own event; the values stand as one entry, WILDCARD.
  const markersOnly = seen.every((w) => w === WILDCARD || marker.test(w));
  const ok = isWord(word) || word !== token ? !seen.includes(WILDCARD) : marker.test(word) || (word === WILDCARD && markersOnly);
  if (!ok || seen.length >= limit) {
    slots[i] = null;
    return seen.some((w) => w !== WILDCARD);
  }
  seen.push(word);
  return word !== WILDCARD;
}

/**
 * How many open slots (of any template and position) hold each word. Event words belong to
 * their message ("VM Started" / "VM Paused"); names of things (users, services) turn up in the
 * slots of several messages ("session opened for user cyrus", "session closed for user cyrus").
 * Upper-case words are not counted: by wide convention they are enumerated constants (states,
 * event types: "Transitioned from NEW to RUNNING"), which many messages share as words.
 */
const hasLower = /[a-z]/;

export function slotWordCounts(all: Iterable<WordSlots>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const slots of all) {
    for (const seen of slots) for (const w of seen ?? []) if (hasLower.test(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return counts;
}

/**
 * The words of the line that stand at still-closed positions, or [] when there are none. A
 * position at least two of whose words also fill another slot holds names: a variable.
 */
export function specialisingWords(template: readonly string[], slots: WordSlots, line: readonly string[], counts?: ReadonlyMap<string, number>): [number, string][] {
  const out: [number, string][] = [];
  template.forEach((t, i) => {
    if (t !== WILDCARD) return;
    const seen = slots[i];
    // One entry (values only, or one key whose values differed: "rhost=<*>"): nothing to tell apart.
    if (!seen || seen.length < 2) return;
    const word = slotEntry(line[i]!);
    if (word === WILDCARD || !seen.includes(word)) return;
    if (counts && seen.filter((w) => (counts.get(w) ?? 0) > 1).length >= 2) return;
    out.push([i, word]);
  });
  return out;
}
