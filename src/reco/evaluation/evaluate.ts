import { Recommender } from '../model/recommender.js';
import type { RecommenderOptions } from '../model/options.js';
import type { Interaction } from '../types.js';
import { MetricsAccumulator, userMetrics, type RankingMetrics } from './metrics.js';
import { splitByUser, type SplitKind, type TrainTest } from './split.js';

export interface EvaluateOptions {
  data: readonly Interaction[];
  split: SplitKind;
  testRatio: number;
  seed: number;
  k: number;
  /** Model settings; defaults otherwise. */
  model?: Partial<RecommenderOptions>;
}

export interface EvaluationReport extends RankingMetrics {
  k: number;
  split: SplitKind;
  test_ratio: number;
  seed: number;
  users: number;
  train_interactions: number;
  test_interactions: number;
  /** Most-popular ranking on the same split, excluding each user's training items. */
  baseline: RankingMetrics;
  fit_ms: number;
  recommend_ms_per_user: number;
  /** The model settings the run used. */
  model: Pick<RecommenderOptions, 'l2' | 'dropout' | 'recencyHalfLife' | 'recencyFloor'>;
}

/**
 * Hold out part of every user's items, train on the rest, rank the items each user has not
 * trained on, and score the top k against the held-out ones — for the model and for the
 * most-popular baseline in the same run.
 */
export function evaluate(options: EvaluateOptions): EvaluationReport {
  const { data, split, testRatio, seed, k } = options;
  const scored = scoreSplit(splitByUser(data, { split, testRatio, seed }), k, options.model);
  return { ...scored, k, split, test_ratio: testRatio, seed };
}

export type SplitScores = Omit<EvaluationReport, 'k' | 'split' | 'test_ratio' | 'seed'>;

/** Train on `train`, score top-k against `test` for the model and the popularity baseline. */
export function scoreSplit(
  { train, test }: TrainTest,
  k: number,
  modelOptions: Partial<RecommenderOptions> = {},
): SplitScores {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const rec = new Recommender({ ...modelOptions, refitEvery: 0, foldIn: false });
  // in time order, as a stream would deliver them (a user's recency order depends on it)
  rec.addAll([...train].sort((a, b) => a.timestamp - b.timestamp));
  const t0 = performance.now();
  rec.fit();
  const fitMs = performance.now() - t0;

  const model = new MetricsAccumulator();
  const baseline = new MetricsAccumulator();
  let testInteractions = 0;
  let recommendMs = 0;
  for (const [user, relevant] of test) {
    testInteractions += relevant.size;
    const t = performance.now();
    const ranked = rec.recommend(user, k).map((r) => r.item);
    recommendMs += performance.now() - t;
    model.add(userMetrics(ranked, relevant, k));
    baseline.add(userMetrics(rec.popular(k, user).map((r) => r.item), relevant, k));
  }
  return {
    ...model.mean(),
    users: model.users,
    train_interactions: train.length,
    test_interactions: testInteractions,
    baseline: baseline.mean(),
    fit_ms: Math.round(fitMs),
    model: {
      l2: rec.options.l2,
      dropout: rec.options.dropout,
      recencyHalfLife: rec.options.recencyHalfLife,
      recencyFloor: rec.options.recencyFloor,
    },
    recommend_ms_per_user: recommendMs / Math.max(1, model.users),
  };
}
