import { parseDuration } from '../../platform/config/duration.js';
import { envNumber, envString } from '../../platform/config/env-values.js';

/** Scheduled retraining in the running service (README "Retraining"). */
export interface RetrainOptions {
  /** Wall time between runs; 0 disables retraining (and the buffers). */
  intervalMs: number;
  /** A run is skipped below this many labelled rows... */
  minRows: number;
  /** ...or this many frauds among them. */
  minFrauds: number;
  /** The most recent share of the labelled rows (by transaction time) held out for validation. */
  holdoutFraction: number;
  /** Labelled rows kept, the most recent; the oldest is dropped. */
  maxLabelled: number;
  /** Vectors of the last this-many scored transactions, kept while their labels are awaited: must cover the label delay's worth of traffic. */
  maxPending: number;
}

/** 6 h: several runs a day, each on a set that has moved by a few hours of labels. */
export const DEFAULT_RETRAIN_INTERVAL_MS = 6 * 3_600_000;

export function loadRetrainOptions(env: NodeJS.ProcessEnv): RetrainOptions {
  const interval = envString(env, 'RISK_RETRAIN_INTERVAL', '');
  const holdout = envNumber(env, 'RISK_RETRAIN_HOLDOUT', 0.2, { max: 1, exclusive: true, is: 'a fraction in (0, 1)' });
  return {
    intervalMs: !interval ? DEFAULT_RETRAIN_INTERVAL_MS : interval === '0' ? 0 : parseDuration(interval, 'RISK_RETRAIN_INTERVAL'),
    minRows: envNumber(env, 'RISK_RETRAIN_MIN_ROWS', 20_000),
    minFrauds: envNumber(env, 'RISK_RETRAIN_MIN_FRAUDS', 100),
    holdoutFraction: holdout,
    maxLabelled: envNumber(env, 'RISK_RETRAIN_MAX_ROWS', 200_000),
    maxPending: envNumber(env, 'RISK_RETRAIN_MAX_PENDING', 150_000),
  };
}
