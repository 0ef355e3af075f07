import type { Aggregation } from './interaction-store.js';

export interface RecommenderOptions {
  /** EASE ridge strength λ; chosen on MovieLens-100k by inner validation (evaluation/tune.ts), flat over 400-800. */
  l2: number;
  /** Input-dropout share p (DLAE): adds p/(1−p)·G_jj to item j's penalty; 0 is plain EASE. */
  dropout: number;
  /**
   * Weigh a user's items by recency when scoring: the item touched h interactions ago counts
   * half as much as the last one. 0 weighs all alike. Affects scoring only, not the item model.
   */
  recencyHalfLife: number;
  /** With recency on, the weight old items decay to (0: they fade away; 1: recency off). */
  recencyFloor: number;
  /** How repeated events of one user on one item combine. */
  aggregation: Aggregation;
  /**
   * Update the item model with each event: one pass over the items² matrix, about 10 ms per
   * event at 1,700 items and growing with the square. `auto` does it while the model has at most
   * FOLD_IN_AUTO_MAX_ITEMS items. A user's own row follows every event either way; without
   * fold-in, other users see the event at the next refit.
   */
  foldIn: boolean | 'auto';
  /**
   * Most items the item model covers (its matrix is items² doubles: 200 MB at 5,000); beyond
   * it, the most held items are modelled and the rest reach users through popularity only.
   */
  maxModelItems: number;
  /** Events between automatic background refits; 0 turns automatic refits off. */
  refitEvery: number;
}

/** Largest model `foldIn: 'auto'` updates per event (a pass over 2,000² doubles is 32 MB). */
export const FOLD_IN_AUTO_MAX_ITEMS = 2000;

/** Row changes a finished background refit replays at most; beyond, it refits again instead. */
export const REFIT_REPLAY_MAX = 256;

export const DEFAULT_RECOMMENDER_OPTIONS: Readonly<RecommenderOptions> = {
  l2: 600,
  dropout: 0,
  recencyHalfLife: 0,
  recencyFloor: 0,
  aggregation: 'max',
  foldIn: 'auto',
  maxModelItems: 5000,
  refitEvery: 5000,
};

export function resolveRecommenderOptions(partial: Partial<RecommenderOptions> = {}): RecommenderOptions {
  const o = { ...DEFAULT_RECOMMENDER_OPTIONS, ...partial };
  if (!(o.l2 > 0)) throw new RangeError(`l2 must be positive, got ${o.l2}`);
  if (!(o.dropout >= 0 && o.dropout < 1)) throw new RangeError(`dropout must be in [0, 1), got ${o.dropout}`);
  if (!(o.recencyHalfLife >= 0)) throw new RangeError(`recencyHalfLife must be >= 0, got ${o.recencyHalfLife}`);
  if (o.foldIn !== true && o.foldIn !== false && o.foldIn !== 'auto') throw new RangeError(`foldIn must be true, false or 'auto'`);
  if (!(o.recencyFloor >= 0 && o.recencyFloor <= 1)) throw new RangeError(`recencyFloor must be in [0, 1], got ${o.recencyFloor}`);
  if (o.aggregation !== 'max' && o.aggregation !== 'sum') throw new RangeError(`aggregation must be max or sum`);
  if (!Number.isInteger(o.maxModelItems) || o.maxModelItems < 1) throw new RangeError(`maxModelItems must be a positive integer`);
  if (!Number.isInteger(o.refitEvery) || o.refitEvery < 0) throw new RangeError(`refitEvery must be a non-negative integer`);
  return o;
}
