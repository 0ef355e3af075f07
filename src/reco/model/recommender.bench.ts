/**
 * Serving cost of the recommender on MovieLens-100k (943 users, 1,682 items):
 *   nice -n 10 npx tsx src/reco/model/recommender.bench.ts [../shared/data/movielens-100k/u.data]
 * Prints fit time, recommend(user, 10) latency percentiles and single-core throughput, the cost
 * of folding one event into the item model, and the longest event-loop stall while a
 * background refit runs (what a request waits at worst during a refit).
 */
import { readInteractions } from '../evaluation/read-interactions.js';
import { seededRandom } from '../../platform/random.js';
import { Recommender } from './recommender.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function summary(name: string, ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `${name}: n=${s.length} mean ${mean.toFixed(3)} ms, p50 ${percentile(s, 0.5).toFixed(3)}, p99 ${percentile(s, 0.99).toFixed(3)}, max ${s.at(-1)!.toFixed(3)}`;
}

async function main(): Promise<void> {
  const file = process.argv[2] ?? '../shared/data/movielens-100k/u.data';
  const data = await readInteractions(file);
  const random = seededRandom(42);
  const users = [...new Set(data.map((e) => e.user))];
  const items = [...new Set(data.map((e) => e.item))];
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;

  const rec = new Recommender({ refitEvery: 0 });
  rec.addAll(data);
  let t = performance.now();
  rec.fit();
  console.log(`fit on ${data.length} interactions, ${items.length} items: ${(performance.now() - t).toFixed(0)} ms`);

  for (let i = 0; i < 500; i++) rec.recommend(pick(users), 10); // warm-up
  const lat: number[] = [];
  const start = performance.now();
  for (let i = 0; i < 20_000; i++) {
    t = performance.now();
    rec.recommend(pick(users), 10);
    lat.push(performance.now() - t);
  }
  const elapsed = (performance.now() - start) / 1000;
  console.log(summary('recommend(user, 10)', lat));
  console.log(`recommend throughput on one core: ${(20_000 / elapsed).toFixed(0)} req/s`);

  const fold: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < 300; i++) {
    const user = pick(users);
    t = performance.now();
    rec.add({ user, item: pick(items), timestamp: 2e9 + i });
    fold.push(performance.now() - t);
    t = performance.now();
    rec.recommend(user, 10);
    after.push(performance.now() - t);
  }
  console.log(summary('add(event) with fold-in', fold));
  console.log(summary('recommend right after add', after));

  // Background refit: measure the gaps between timer ticks (event-loop stalls) while it runs.
  const stalls: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    stalls.push(now - last);
    last = now;
    rec.recommend(pick(users), 10);
  }, 0);
  t = performance.now();
  await rec.refitInBackground();
  clearInterval(timer);
  console.log(`background refit: ${(performance.now() - t).toFixed(0)} ms wall`);
  console.log(summary('event-loop gap during refit (incl. one recommend)', stalls));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
