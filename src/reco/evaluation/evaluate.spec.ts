import { describe, expect, it } from 'vitest';
import type { Interaction } from '../types.js';
import { evaluate } from './evaluate.js';
import { readInteractions } from './read-interactions.js';
import { dataSet } from '../../../test/support/data.js';


describe('evaluate', () => {
  it('scores a tiny data set end to end, model and baseline', () => {
    const data: Interaction[] = [];
    for (let u = 0; u < 30; u++) for (const item of u % 2 ? ['a', 'b', 'c', 'd'] : ['e', 'f', 'g', 'h']) data.push({ user: `u${u}`, item, timestamp: u });
    const r = evaluate({ data, split: 'random', testRatio: 0.25, seed: 1, k: 3, model: { l2: 1 } });
    expect(r.users).toBe(30);
    expect(r.train_interactions + r.test_interactions).toBe(120);
    expect(r.precision_at_k).toBeCloseTo(1 / 3, 9); // the held-out item is always the group's missing one
    expect(r.recall_at_k).toBeCloseTo(1, 9);
    expect(r.baseline.recall_at_k).toBeLessThan(1);
  });

  // Published on this split (Microsoft recommenders, random 75/25): BPR P@10 0.388, SAR 0.331.
  it('beats BPR and popularity on MovieLens-100k (random 75/25, k=10, seed 1)', async () => {
    const data = await readInteractions(dataSet('movielens-100k/u.data'));
    expect(data).toHaveLength(100_000);
    const r = evaluate({ data, split: 'random', testRatio: 0.25, seed: 1, k: 10 });
    expect(r.users).toBe(943);
    expect(r.precision_at_k).toBeGreaterThan(0.4);
    expect(r.ndcg_at_k).toBeGreaterThan(0.44);
    expect(r.baseline.precision_at_k).toBeGreaterThan(0.18);
    expect(r.baseline.precision_at_k).toBeLessThan(r.precision_at_k - 0.1);
  });
});
