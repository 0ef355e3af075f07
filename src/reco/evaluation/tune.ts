/**
 * Choose the item model's regularisation without touching any test split: for a few tuning
 * seeds (not the reporting seeds 1..5), split the data, then split that training part again the
 * same way and score a grid on the inner validation part only.
 *
 *   nice -n 10 npx tsx src/reco/evaluation/tune.ts FILE [random|time] [l2 list] [dropout list] [recency half-life list] [recency floor list]
 *   e.g. ... u.data random 100,200,400,600,800 0,0.2,0.4
 */
import type { RecommenderOptions } from '../model/options.js';
import { scoreSplit } from './evaluate.js';
import { readInteractions } from './read-interactions.js';
import { splitByUser, type SplitKind } from './split.js';

const TUNING_SEEDS = [1001, 1002, 1003];

const list = (arg: string | undefined, fallback: number[]) => (arg ? arg.split(',').map(Number) : fallback);

async function main(): Promise<void> {
  const [file, kind = 'random', l2Arg, dropoutArg, recencyArg, floorArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: tune.ts FILE [random|time] [l2,...] [dropout,...]');
  const split = kind as SplitKind;
  const grid: Partial<RecommenderOptions>[] = [];
  for (const l2 of list(l2Arg, [50, 100, 150, 200, 300, 400, 600, 800]))
    for (const dropout of list(dropoutArg, [0]))
      for (const recencyHalfLife of list(recencyArg, [0]))
        for (const recencyFloor of list(floorArg, [0])) grid.push({ l2, dropout, recencyHalfLife, recencyFloor });
  const data = await readInteractions(file);
  const sums = new Map<string, number>();
  // the time split ignores the seed: one pass is enough
  const seeds = split === 'time' ? TUNING_SEEDS.slice(0, 1) : TUNING_SEEDS;
  for (const seed of seeds) {
    const outer = splitByUser(data, { split, testRatio: 0.25, seed });
    const inner = splitByUser(outer.train, { split, testRatio: 0.25, seed: seed + 1 });
    for (const options of grid) {
      const key = JSON.stringify(options);
      const p = scoreSplit(inner, 10, options).precision_at_k;
      sums.set(key, (sums.get(key) ?? 0) + p);
      console.log(`seed ${seed} ${key} validation precision@10 ${p.toFixed(4)}`);
    }
  }
  const ranked = [...sums].sort((a, b) => b[1] - a[1]);
  for (const [key, s] of ranked) console.log(`${key} mean validation precision@10 ${(s / seeds.length).toFixed(4)}`);
  console.log(`best ${ranked[0]![0]}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
