import { hostname } from 'node:os';
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

export function recoConfigFromEnv(env: NodeJS.ProcessEnv = process.env, now = Date.now()): RecoServiceConfig {
  const prefix = env.VIGIL_GROUP_PREFIX ?? 'vigil';
  const named = env.VIGIL_RECO_GROUP?.trim();
  return {
    replyK: int(env, 'VIGIL_RECO_K', 10, 1, 1000),
    maxK: int(env, 'VIGIL_RECO_MAX_K', 1000, 1, 1000),
    replyMaxAgeMs: int(env, 'VIGIL_RECO_REPLY_MAX_AGE_MS', 60_000, 0),
    foldInBudgetMs: int(env, 'VIGIL_RECO_FOLD_IN_BUDGET_MS', 0, 0),
    refitIntervalMs: int(env, 'VIGIL_RECO_REFIT_INTERVAL_MS', 300_000, 0),
    learnChunk: int(env, 'VIGIL_RECO_LEARN_CHUNK', 500, 1),
    groupId: named || `${prefix}-reco-${hostname()}-${process.pid}-${now.toString(36)}`,
    groupPerStart: !named,
    recommender: {
      refitEvery: int(env, 'VIGIL_RECO_REFIT_EVERY', 5000, 0),
      recencyHalfLife: num(env, 'VIGIL_RECO_RECENCY_HALF_LIFE', 10),
      recencyFloor: num(env, 'VIGIL_RECO_RECENCY_FLOOR', 0.3),
      // The service folds in under its own time budget (above); the model never does it on its own.
      foldIn: true,
    },
  };
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, not "${raw}"`);
  return n;
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, not "${raw}"`);
  return n;
}

/** Injection token of the RecoServiceConfig. */
export const RECO_CONFIG = Symbol('RECO_CONFIG');
