import { beforeAll, describe, expect, it } from 'vitest';
import { readInteractions } from '../evaluation/read-interactions.js';
import type { Interaction } from '../types.js';
import { Recommender } from './recommender.js';
import { dataSet } from '../../../test/support/data.js';

/** Serving behaviour at real size: 943 users, 1,682 items, 100,000 events. */
describe('Recommender on MovieLens-100k', () => {
  let data: Interaction[];
  let rec: Recommender;

  beforeAll(async () => {
    data = await readInteractions(dataSet('movielens-100k/u.data'));
    rec = new Recommender({ refitEvery: 0 });
    rec.addAll(data);
    rec.fit();
  });

  // Throughput and latency of recommend() are measured by recommender.bench.ts, not asserted here.

  it('folds new events in so that the result matches a full refit', () => {
    const later: Interaction[] = [
      { user: '1', item: '1500', timestamp: 2e9 },
      { user: '1', item: '1600', timestamp: 2e9 + 1 },
      { user: '500', item: '50', timestamp: 2e9 + 2 },
      { user: '9999', item: '50', timestamp: 2e9 + 3 }, // a new user
    ];
    for (const e of later) rec.add(e);
    const reference = new Recommender({ refitEvery: 0 });
    reference.addAll([...data, ...later]);
    reference.fit();
    for (const user of ['1', '500', '9999', '42']) {
      const a = rec.recommend(user, 10);
      const b = reference.recommend(user, 10);
      expect(a.map((r) => r.item)).toEqual(b.map((r) => r.item));
      a.forEach((r, i) => expect(r.score).toBeCloseTo(b[i]!.score, 8));
    }
    expect(rec.recommend('1', 50).map((r) => r.item)).not.toContain('1500');
  });
});
