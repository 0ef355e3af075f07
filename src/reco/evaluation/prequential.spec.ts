import { describe, expect, it } from 'vitest';
import type { Interaction } from '../types.js';
import { prequential } from './prequential.js';

/**
 * Early users each hold one pair of items: (a, b) 20 users, (c, d) 12, (e, f) 8. The stream's
 * last 60 events are 30 new users, each clicking the first item of a pair and then the second:
 * a first click is only guessable by popularity, a second one from the first.
 */
function pairs(): Interaction[] {
  const pairOf = [['a', 'b'], ['c', 'd'], ['e', 'f']];
  const out: Interaction[] = [];
  let t = 0;
  const holders = [20, 12, 8];
  holders.forEach((n, p) => {
    for (let u = 0; u < n; u++) for (const item of pairOf[p]!) out.push({ user: `p${p}u${u}`, item, timestamp: t++ });
  });
  for (let u = 0; u < 30; u++) for (const item of pairOf[u % 3]!) out.push({ user: `late${u}`, item, timestamp: t++ });
  return out;
}

describe('prequential', () => {
  const data = pairs();
  const testRatio = 60 / data.length; // exactly the late events

  it('scores each late event before learning from it', () => {
    const r = prequential({ data, testRatio, k: 1, refitEvery: 0, model: { l2: 1 } });
    expect(r.events).toBe(60);
    expect(r.cold_events).toBe(30); // every late user's first click
    // first clicks: popularity guesses 'a' (10 hits); second clicks all follow the first (30)
    expect(r.hit_rate_at_k).toBeCloseTo(40 / 60, 12);
    expect(r.hit_rate_at_k).toBeGreaterThan(r.baseline_hit_rate_at_k);
  });

  it('gains from learning as it goes, compared with a frozen model', () => {
    const live = prequential({ data, testRatio, k: 1, refitEvery: 0, model: { l2: 1 } });
    const frozen = prequential({ data, testRatio, k: 1, refitEvery: 0, model: { l2: 1 }, frozen: true });
    expect(frozen.hit_rate_at_k).toBeCloseTo(10 / 60, 12); // 'a' for everyone, every time
    expect(live.hit_rate_at_k).toBeGreaterThan(frozen.hit_rate_at_k);
  });
});
