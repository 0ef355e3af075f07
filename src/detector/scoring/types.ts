/** Which model produced a score: the statistical baseline until the entity's autoencoder is trained. */
export type ScorerName = 'baseline' | 'autoencoder';

/** One time step of one entity: a timestamp (ms) and one value per metric (NaN when missing). */
export interface Observation {
  readonly time: number;
  readonly values: readonly number[];
}

export interface ScoreResult {
  readonly time: number;
  /**
   * Calibrated anomaly score in [0, 1]: a monotone map of the row's tail probability, damped
   * for a while after an incident opens so that a threshold on it alarms once per incident.
   */
  readonly score: number;
  /** The entity's current alarm level on the same scale. */
  readonly threshold: number;
  /** The row's own verdict (tail probability below the alarm risk), not de-duplicated. */
  readonly isAnomaly: boolean;
  readonly scorer: ScorerName;
  /** Per metric, its share of the evidence (sums to 1 when any metric is unusual): a root-cause hint. */
  readonly contributions: readonly number[];
  /** Metric index and the signal that carried the most evidence (e.g. 'seasonal'), when any did. */
  readonly cause?: { readonly metric: number; readonly signal: string };
  /** Tail probability of the row under the entity's own history (before calibration to a score). */
  readonly pValue: number;
}
