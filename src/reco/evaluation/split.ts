import type { Interaction } from '../types.js';
import { seededRandom, shuffle } from '../../platform/random.js';

export type SplitKind = 'random' | 'time';

export interface SplitOptions {
  split: SplitKind;
  /** Share of each user's distinct items held out, in (0, 1). */
  testRatio: number;
  /** Seed of the random split; ignored by the time split. */
  seed: number;
}

export interface TrainTest {
  train: Interaction[];
  /** user → items held out for that user. */
  test: Map<string, Set<string>>;
}

/**
 * Per-user hold-out: each user's distinct items are split so round(testRatio·n) of them are
 * test (at least one, and at least one left to train on, when the user has two or more).
 * `random` draws them with a seeded RNG; `time` takes the user's latest ones.
 * Repeated events of one user on one item are collapsed first (keeping the latest), so an
 * item can never sit on both sides.
 */
export function splitByUser(data: readonly Interaction[], options: SplitOptions): TrainTest {
  const { split, testRatio, seed } = options;
  if (!(testRatio > 0 && testRatio < 1)) throw new RangeError(`testRatio must be in (0, 1), got ${testRatio}`);
  const byUser = new Map<string, Map<string, Interaction>>();
  for (const e of data) {
    const items = byUser.get(e.user) ?? new Map<string, Interaction>();
    byUser.set(e.user, items);
    const prev = items.get(e.item);
    if (!prev || e.timestamp >= prev.timestamp) items.set(e.item, e);
  }
  const random = seededRandom(seed);
  const train: Interaction[] = [];
  const test = new Map<string, Set<string>>();
  // users in a fixed order so the RNG stream does not depend on input order
  for (const user of [...byUser.keys()].sort(compareIds)) {
    const events = [...byUser.get(user)!.values()].sort((a, b) => compareIds(a.item, b.item));
    const nTest = events.length < 2 ? 0 : Math.min(events.length - 1, Math.max(1, Math.round(testRatio * events.length)));
    if (split === 'random') shuffle(events, random);
    else events.sort((a, b) => a.timestamp - b.timestamp || compareIds(a.item, b.item));
    const cut = events.length - nTest;
    train.push(...events.slice(0, cut));
    if (nTest > 0) test.set(user, new Set(events.slice(cut).map((e) => e.item)));
  }
  return { train, test };
}

/** Numeric ids compare as numbers, others as strings. */
function compareIds(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}
