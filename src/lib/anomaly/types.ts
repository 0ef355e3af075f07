import type { SignalName } from './series-tracker.js';

/** The model that produced a score (a name and version go into every anomaly event). */
export const SCORER = 'seasonal-shift';
export const SCORER_VERSION = 'seasonal-shift-v1';

/** One time step of one entity: a timestamp (ms) and one value per series (NaN when missing). */
export interface Observation {
  readonly time: number;
  readonly values: readonly number[];
}

export interface ScoreResult {
  readonly time: number;
  /**
   * Calibrated anomaly score in [0, 1]: `e / (e + 4)` of the row's evidence e = -log10(p), so
   * p = 1e-4 → 0.5 on every series; damped for a while after an incident opens so that a
   * threshold on it alarms once per incident.
   */
  readonly score: number;
  /** The entity's current alarm level on the same scale. */
  readonly threshold: number;
  /** The row's own verdict (tail probability below the alarm risk), not de-duplicated. */
  readonly isAnomaly: boolean;
  /** Per series, its share of the evidence (sums to 1 when any series is unusual): a root-cause hint. */
  readonly contributions: readonly number[];
  /** The series (index into the vector) and the signal that carried the most evidence, when any did. */
  readonly cause?: { readonly metric: number; readonly signal: SignalName };
  /** Tail probability of the row under the entity's own history, Bonferroni-corrected over its series. */
  readonly pValue: number;
}
