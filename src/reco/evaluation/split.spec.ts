import { describe, expect, it } from 'vitest';
import type { Interaction } from '../types.js';
import { splitByUser } from './split.js';

/** user u<i> has 4·(i+1) items, item j at time j (users' item numbering overlaps). */
function synthetic(users: number): Interaction[] {
  const out: Interaction[] = [];
  for (let u = 0; u < users; u++) {
    for (let j = 0; j < 4 * (u + 1); j++) out.push({ user: `u${u}`, item: `i${(j * 7 + u) % 50}`, timestamp: 1000 + j });
  }
  return out;
}

describe('splitByUser', () => {
  const data = synthetic(8);

  for (const split of ['random', 'time'] as const) {
    it(`${split}: holds out round(ratio·n) of each user's items, none also in training`, () => {
      const { train, test } = splitByUser(data, { split, testRatio: 0.25, seed: 7 });
      for (let u = 0; u < 8; u++) {
        const user = `u${u}`;
        const n = 4 * (u + 1);
        const trainItems = new Set(train.filter((e) => e.user === user).map((e) => e.item));
        const testItems = test.get(user)!;
        expect(testItems.size).toBe(Math.round(0.25 * n));
        expect(trainItems.size + testItems.size).toBe(n);
        for (const item of testItems) expect(trainItems.has(item)).toBe(false);
      }
    });
  }

  it('time: the held-out items are each user\'s latest', () => {
    const { train, test } = splitByUser(data, { split: 'time', testRatio: 0.25, seed: 1 });
    for (const [user, items] of test) {
      const lastTrain = Math.max(...train.filter((e) => e.user === user).map((e) => e.timestamp));
      const firstTest = Math.min(...data.filter((e) => e.user === user && items.has(e.item)).map((e) => e.timestamp));
      expect(firstTest).toBeGreaterThan(lastTrain);
    }
  });

  it('random: the same seed gives the same split whatever the input order; another seed differs', () => {
    const a = splitByUser(data, { split: 'random', testRatio: 0.25, seed: 3 });
    const b = splitByUser([...data].reverse(), { split: 'random', testRatio: 0.25, seed: 3 });
    const c = splitByUser(data, { split: 'random', testRatio: 0.25, seed: 4 });
    const flat = (t: Map<string, Set<string>>) => [...t].map(([u, s]) => `${u}:${[...s].sort().join(',')}`).sort();
    expect(flat(b.test)).toEqual(flat(a.test));
    expect(flat(c.test)).not.toEqual(flat(a.test));
  });

  it('collapses repeated events of one user on one item so they cannot straddle the split', () => {
    const repeated: Interaction[] = [];
    for (let j = 0; j < 8; j++) for (let r = 0; r < 3; r++) repeated.push({ user: 'u', item: `i${j}`, timestamp: j * 10 + r });
    const { train, test } = splitByUser(repeated, { split: 'random', testRatio: 0.5, seed: 1 });
    expect(train).toHaveLength(4);
    expect(test.get('u')!.size).toBe(4);
    for (const e of train) expect(test.get('u')!.has(e.item)).toBe(false);
  });

  it('keeps a single-item user entirely in training', () => {
    const { train, test } = splitByUser([{ user: 'solo', item: 'x', timestamp: 1 }], { split: 'random', testRatio: 0.25, seed: 1 });
    expect(train).toHaveLength(1);
    expect(test.has('solo')).toBe(false);
  });
});
