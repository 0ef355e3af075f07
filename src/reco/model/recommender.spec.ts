import { describe, expect, it } from 'vitest';
import type { Interaction } from '../types.js';
import { Recommender } from './recommender.js';

/**
 * Two taste groups: "sci-fi" users hold two or three of a, b, c; "drama" users hold d, f and
 * sometimes e. Popularity: a 10 users, b 9, c 9, d 8, f 8, e 4.
 */
function community(): Interaction[] {
  const out: Interaction[] = [];
  let t = 0;
  const add = (user: string, items: string[]) => items.forEach((item) => out.push({ user, item, timestamp: t++ }));
  const scifi = [['a', 'b'], ['b', 'c'], ['a', 'c'], ['a', 'b', 'c']];
  for (let u = 0; u < 12; u++) add(`s${u}`, scifi[u % 4]!);
  for (let u = 0; u < 8; u++) add(`d${u}`, u % 2 === 0 ? ['d', 'e', 'f'] : ['d', 'f']);
  add('d8', ['a']);
  return out;
}

function fitted(events = community(), options = {}): Recommender {
  const rec = new Recommender({ l2: 1, refitEvery: 0, ...options });
  rec.addAll(events);
  rec.fit();
  return rec;
}

const items = (recs: { item: string }[]) => recs.map((r) => r.item);

describe('Recommender', () => {
  it('recommends within the user\'s taste group, from the model', () => {
    const rec = fitted();
    rec.add({ user: 'new-scifi', item: 'b', timestamp: 100 });
    const recs = rec.recommend('new-scifi', 2);
    expect(items(recs).sort()).toEqual(['a', 'c']);
    expect(recs.every((r) => r.source === 'model')).toBe(true);
  });

  it('never recommends an item the user already has', () => {
    const rec = fitted();
    for (const user of ['s0', 's1', 's2', 'd0', 'd1']) {
      const recs = rec.recommend(user, 6);
      const had = new Set(community().filter((e) => e.user === user).map((e) => e.item));
      for (const r of recs) expect(had.has(r.item)).toBe(false);
      expect(recs.length).toBe(6 - had.size);
    }
  });

  it('changes a user\'s recommendations with their very next interaction, before any refit', () => {
    const rec = fitted();
    expect(items(rec.recommend('d1', 1))).toEqual(['e']);
    rec.add({ user: 'd1', item: 'e', timestamp: 200 });
    const after = items(rec.recommend('d1', 3));
    expect(after).not.toContain('e');
    expect(after).not.toEqual(['e']);
    // a sci-fi user who starts watching drama gets drama next
    expect(items(rec.recommend('s0', 2))).not.toContain('e');
    rec.add({ user: 's0', item: 'd', timestamp: 201 });
    rec.add({ user: 's0', item: 'f', timestamp: 202 });
    expect(items(rec.recommend('s0', 2))).toContain('e');
  });

  it('gives a user it has never seen the most popular items', () => {
    const rec = fitted();
    const recs = rec.recommend('stranger', 3);
    expect(items(recs)).toEqual(['a', 'b', 'c']);
    expect(recs.every((r) => r.source === 'popularity')).toBe(true);
    expect(recs[0]!.score).toBe(10);
  });

  it('falls back to popularity, excluding what the user has, when only new items are known for them', () => {
    const rec = fitted();
    rec.add({ user: 'early', item: 'brand-new', timestamp: 300 });
    const recs = rec.recommend('early', 2);
    expect(items(recs)).toEqual(['a', 'b']);
    expect(items(rec.recommend('s0', 10))).not.toContain('a');
  });

  it('serves popularity before the first fit', () => {
    const rec = new Recommender({ refitEvery: 0 });
    rec.add({ user: 'x', item: 'p', timestamp: 1 });
    rec.add({ user: 'y', item: 'p', timestamp: 2 });
    rec.add({ user: 'y', item: 'q', timestamp: 3 });
    expect(rec.recommend('z', 5)).toEqual([
      { item: 'p', score: 2, source: 'popularity' },
      { item: 'q', score: 1, source: 'popularity' },
    ]);
    expect(rec.recommend('x', 5)).toEqual([{ item: 'q', score: 1, source: 'popularity' }]);
  });

  it('with fold-in, scores after new events equal those of a full refit', () => {
    const base = community();
    const later: Interaction[] = [
      { user: 's0', item: 'c', timestamp: 400 },
      { user: 'd1', item: 'e', timestamp: 401 },
      { user: 'newcomer', item: 'a', timestamp: 402 },
      { user: 'd8', item: 'f', timestamp: 403 },
    ];
    const live = fitted(base, { foldIn: true });
    for (const e of later) live.add(e);
    const refit = fitted([...base, ...later]);
    for (const user of ['s0', 'd1', 'newcomer', 'd8', 's5']) {
      const a = live.recommend(user, 6);
      const b = refit.recommend(user, 6);
      expect(items(a)).toEqual(items(b));
      a.forEach((r, i) => expect(r.score).toBeCloseTo(b[i]!.score, 9));
    }
  });

  it('refits in the background and replays the events that arrived meanwhile', async () => {
    const base = community();
    const rec = new Recommender({ l2: 1, refitEvery: 0 });
    rec.addAll(base);
    const refit = rec.refitInBackground();
    expect(rec.stats().refitting).toBe(true);
    rec.add({ user: 's0', item: 'c', timestamp: 500 }); // arrives while the refit runs
    await refit;
    expect(rec.stats()).toMatchObject({ refitting: false, modelItems: 6, eventsSinceFit: 1 });
    const reference = fitted([...base, { user: 's0', item: 'c', timestamp: 500 }]);
    const a = rec.recommend('s1', 6);
    const b = reference.recommend('s1', 6);
    expect(items(a)).toEqual(items(b));
    a.forEach((r, i) => expect(r.score).toBeCloseTo(b[i]!.score, 9));
  });

  it('refits again instead of replaying when too many events arrive during a refit', async () => {
    const base = community();
    const rec = new Recommender({ l2: 1, refitEvery: 1000 });
    rec.addAll(base);
    const first = rec.refitInBackground();
    const burst: Interaction[] = Array.from({ length: 300 }, (_, i) => ({ user: `burst${i}`, item: 'abcdef'[i % 6]!, timestamp: 900 + i }));
    for (const e of burst) rec.add(e);
    await first;
    expect(rec.stats().eventsSinceFit).toBeGreaterThanOrEqual(1000);
    rec.add({ user: 'late', item: 'a', timestamp: 2000 }); // due: starts the next refit
    expect(rec.stats().refitting).toBe(true);
    await rec.refitInBackground();
    const reference = fitted([...base, ...burst, { user: 'late', item: 'a', timestamp: 2000 }]);
    for (const user of ['s0', 'd1', 'burst7']) {
      const a = rec.recommend(user, 6);
      const b = reference.recommend(user, 6);
      expect(items(a)).toEqual(items(b));
      a.forEach((r, i) => expect(r.score).toBeCloseTo(b[i]!.score, 9));
    }
  });

  it('keeps a blocking fit made during a background refit rather than the older refit', async () => {
    const rec = new Recommender({ l2: 1, refitEvery: 0 });
    rec.addAll(community());
    const background = rec.refitInBackground();
    rec.addAll([{ user: 'late', item: 'brand-new', timestamp: 1000 }]);
    rec.fit(); // knows 'brand-new'
    await background;
    expect(rec.stats().modelItems).toBe(7);
  });

  it('abandons a background refit on close and keeps the model in use', async () => {
    const rec = new Recommender({ l2: 1, refitEvery: 0 });
    rec.addAll(community());
    rec.fit();
    rec.addAll([{ user: 'late', item: 'brand-new', timestamp: 1000 }]);
    const background = rec.refitInBackground(); // its worker is still starting
    await rec.close();
    await background;
    expect(rec.stats()).toMatchObject({ modelVersion: 'ease-1', modelItems: 6, refitting: false });
    expect(rec.lastRefitError).toBeUndefined();
    await rec.refitInBackground(); // closed: starts none
    expect(rec.stats().modelVersion).toBe('ease-1');
  });

  it('refits automatically every refitEvery events', async () => {
    const rec = new Recommender({ l2: 1, refitEvery: 10 });
    for (const e of community().slice(0, 10)) rec.add(e);
    expect(rec.stats().refitting).toBe(true);
    await rec.refitInBackground();
    expect(rec.stats().modelItems).toBeGreaterThan(0);
  });

  it('with recencyHalfLife, lets the last click outweigh older history', () => {
    const history = (rec: Recommender) => {
      // two drama items, then the latest click on sci-fi
      for (const [t, item] of ['d', 'f', 'a'].entries()) rec.add({ user: 'mixed', item, timestamp: 700 + t });
      return items(rec.recommend('mixed', 1));
    };
    expect(history(fitted())).toEqual(['e']);
    expect(history(fitted(community(), { recencyHalfLife: 0.5 }))).toEqual(['b']);
    // a floor of 1 keeps old items at full weight: recency off
    expect(history(fitted(community(), { recencyHalfLife: 0.5, recencyFloor: 1 }))).toEqual(['e']);
  });

  it('models only the maxModelItems most held items and serves the rest by popularity', () => {
    const rec = fitted(community(), { maxModelItems: 3 }); // a, b, c
    expect(rec.stats().modelItems).toBe(3);
    const drama = rec.recommend('d1', 2); // holds d, f: nothing the model covers
    expect(drama.every((r) => r.source === 'popularity')).toBe(true);
    const scifi = rec.recommend('s0', 3); // holds a, b: c from the model, then popularity fills
    expect(scifi.map((r) => [r.item, r.source])).toEqual([
      ['c', 'model'],
      ['d', 'popularity'],
      ['f', 'popularity'],
    ]);
  });

  it('folds events into a partial model like a refit of the same items', () => {
    const live = fitted(community(), { maxModelItems: 4 });
    const later: Interaction[] = [
      { user: 's0', item: 'c', timestamp: 800 },
      { user: 's1', item: 'f', timestamp: 801 }, // f is not modelled
      { user: 'x', item: 'd', timestamp: 802 },
    ];
    for (const e of later) live.add(e);
    const refit = fitted([...community(), ...later], { maxModelItems: 4 });
    for (const user of ['s0', 's1', 'x', 'd3']) {
      const a = live.recommend(user, 6);
      const b = refit.recommend(user, 6);
      expect(items(a)).toEqual(items(b));
      a.forEach((r, i) => expect(r.score).toBeCloseTo(b[i]!.score, 9));
    }
  });

  it('ignores a redelivered event (max aggregation)', () => {
    const rec = fitted();
    rec.add({ user: 's0', item: 'c', timestamp: 600 });
    const once = rec.recommend('s1', 6);
    rec.add({ user: 's0', item: 'c', timestamp: 600 });
    expect(rec.recommend('s1', 6)).toEqual(once);
  });

  it.each([0, 0.3])('keeps fold-in close to a refit over many events (dropout %s)', (dropout) => {
    // 40 items, 60 users with random rows, then 300 random events folded in one by one
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const base: Interaction[] = [];
    for (let u = 0; u < 60; u++) for (let i = 0; i < 40; i++) if (rand() < 0.2) base.push({ user: `u${u}`, item: `i${i}`, timestamp: 0 });
    for (let i = 0; i < 40; i++) base.push({ user: 'seed', item: `i${i}`, timestamp: 0 }); // every item known at fit
    const later: Interaction[] = Array.from({ length: 300 }, (_, t) => ({
      user: `u${Math.floor(rand() * 70)}`,
      item: `i${Math.floor(rand() * 40)}`,
      timestamp: t + 1,
    }));
    const live = fitted(base, { l2: 5, dropout });
    for (const e of later) live.add(e);
    const refit = fitted([...base, ...later], { l2: 5, dropout });
    for (const user of ['u0', 'u13', 'u42', 'u65']) {
      const a = live.recommend(user, 10);
      const b = refit.recommend(user, 10);
      a.forEach((r, i) => expect(r.score).toBeCloseTo(b[i]!.score, 8));
    }
  });

  it('rejects a negative weight and learns nothing from a zero weight', () => {
    const rec = fitted();
    expect(() => rec.add({ user: 'u', item: 'i', timestamp: 1, weight: -1 })).toThrow(RangeError);
    const before = rec.recommend('s0', 6);
    rec.add({ user: 's0', item: 'c', timestamp: 2, weight: 0 });
    expect(rec.recommend('s0', 6)).toEqual(before);
    expect(items(before)).toContain('c');
  });
});
