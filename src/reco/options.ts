import { hostname } from 'node:os';
import { envInt, envNumber, envString } from '../platform/config/env-values.js';
import type { RecommenderOptions } from './model/options.js';

/** The recommender service's settings (environment), beside the model's own (model/options.ts). */
export interface RecoServiceConfig {
  /** Length of the lists published on reco.recommendations in reply to `respond: true`. */
  replyK: number;
  /** Longest list GET /recommendations/:user returns (`k` above it is a 400). */
  maxK: number;
  /**
   * Interactions appended longer ago than this (broker time, against the process start) get no
   * reply when read: they are history being replayed into the model, not someone waiting.
   */
  replyMaxAgeMs: number;
  /**
   * Per batch, fold interactions into the item model one by one (O(items²) each, ~10 ms at
   * 1,700 items) for at most this long; the rest of the batch updates the users' rows only and
   * reaches the item model at the next refit. 0 (the default) turns per-event fold-in off: under
   * 200 GET/s on 2 shared cores it raised GET p99 from ~20 ms to ~560 ms (README).
   */
  foldInBudgetMs: number;
  /** A refit starts at least this often while events are waiting for one (besides every `refitEvery` events); 0 = only by count. */
  refitIntervalMs: number;
  /** Records learned between yields to the event loop, so HTTP is answered while a backlog goes in. */
  learnChunk: number;
  /** This process's consumer group: its own, so that it reads every partition (see README). */
  groupId: string;
  /** The group was made up for this start (no VIGIL_RECO_GROUP): deleted when the process stops. */
  groupPerStart: boolean;
  recommender: Partial<RecommenderOptions>;
}

export const RECO_TOPICS = { interactions: 'reco.interactions', remediations: 'aiops.remediations', recommendations: 'reco.recommendations' } as const;

/** Counts and milliseconds past this are not exact in a double: rejected. */
const EXACT = Number.MAX_SAFE_INTEGER;

export function recoConfigFromEnv(env: NodeJS.ProcessEnv = process.env, now = Date.now()): RecoServiceConfig {
  const prefix = envString(env, 'VIGIL_GROUP_PREFIX', 'vigil', { emptyIsValue: true });
  const named = envString(env, 'VIGIL_RECO_GROUP', '');
  return {
    replyK: envInt(env, 'VIGIL_RECO_K', 10, { min: 1, max: 1000 }),
    maxK: envInt(env, 'VIGIL_RECO_MAX_K', 1000, { min: 1, max: 1000 }),
    replyMaxAgeMs: envInt(env, 'VIGIL_RECO_REPLY_MAX_AGE_MS', 60_000, { min: 0, max: EXACT }),
    foldInBudgetMs: envInt(env, 'VIGIL_RECO_FOLD_IN_BUDGET_MS', 0, { min: 0, max: EXACT }),
    refitIntervalMs: envInt(env, 'VIGIL_RECO_REFIT_INTERVAL_MS', 300_000, { min: 0, max: EXACT }),
    learnChunk: envInt(env, 'VIGIL_RECO_LEARN_CHUNK', 500, { min: 1, max: EXACT }),
    groupId: named || `${prefix}-reco-${hostname()}-${process.pid}-${now.toString(36)}`,
    groupPerStart: !named,
    recommender: {
      refitEvery: envInt(env, 'VIGIL_RECO_REFIT_EVERY', 5000, { min: 0, max: EXACT }),
      recencyHalfLife: envNumber(env, 'VIGIL_RECO_RECENCY_HALF_LIFE', 10),
      recencyFloor: envNumber(env, 'VIGIL_RECO_RECENCY_FLOOR', 0.3),
      // The service folds in under its own time budget (above); the model never does it on its own.
      foldIn: true,
    },
  };
}

/** Injection token of the RecoServiceConfig. */
export const RECO_CONFIG = Symbol('RECO_CONFIG');
