/** Tunables of the streaming detector. One configuration serves every entity. */
export interface DetectorOptions {
  /** Rows of history each tail model and the level median look back over. */
  historyRows: number;
  /** Rows an entity must have seen before it may alarm. */
  warmupRows: number;
  /** Tail probability below which a row is an alarm (SPOT's risk q). */
  alarmRisk: number;
  /** Tail probability below which a row starts a suppression period (at or above alarmRisk). */
  suppressRisk: number;
  /** Rows after such a row whose scores are damped, so one incident raises one alarm. */
  suppressRows: number;
  /** Factor applied to scores inside the suppression period. */
  suppressFactor: number;
  /** Rows averaged by the smoothed signals (sustained shifts, bursts of change). */
  smoothRows: number;
  /** Fraction of each tail model treated as peaks for the GPD fit. */
  tailFraction: number;
  /** Fewest peaks a GPD is fitted to; a signal is ignored until it has twice as many values. */
  minPeaks: number;
  /** Signal values with a tail probability below this are not learned (SPOT keeps alarms out). */
  learnRisk: number;
  /** Autoencoder settings; `enabled: false` keeps every entity on the baseline. */
  autoencoder: AutoencoderOptions;
}

export interface AutoencoderOptions {
  enabled: boolean;
  /** Time steps per input window. */
  windowRows: number;
  /** Width of the bottleneck; 0 picks one sixth of the input size (at least 2). */
  hiddenUnits: number;
  /** Rows of the entity's own history needed before the first training (cold start). */
  coldStartRows: number;
  /** Retrain after this many further rows, on recent rows that were not flagged. */
  retrainEveryRows: number;
  /** Most recent rows used for training. */
  trainRows: number;
  /** Train on windows ending every this many rows: overlapping windows repeat each other. */
  trainStride: number;
  /**
   * Rows after a (re)training whose reconstruction errors are learned before any is judged: the
   * error history is seeded with the new model's errors on the rows it was trained on, which
   * run lower than its errors on rows it has not seen.
   */
  calibrationRows: number;
  /** Models per entity, from different seeds, whose errors are averaged: steadier than one. */
  ensemble: number;
  epochs: number;
  learningRate: number;
  /** Seed of the weight initialisation, so backtests repeat exactly. */
  seed: number;
}

export const DEFAULT_OPTIONS: DetectorOptions = {
  historyRows: 4000,
  warmupRows: 150,
  alarmRisk: 1e-4,
  suppressRisk: 3e-3,
  suppressRows: 300,
  suppressFactor: 0.25,
  smoothRows: 12,
  tailFraction: 0.02,
  minPeaks: 50,
  learnRisk: 1e-4,
  autoencoder: {
    enabled: true,
    windowRows: 12,
    hiddenUnits: 0,
    coldStartRows: 400,
    retrainEveryRows: 3000,
    trainRows: 2000,
    trainStride: 3,
    calibrationRows: 50,
    ensemble: 3,
    epochs: 40,
    learningRate: 0.01,
    seed: 42,
  },
};

/** Defaults overridden by whatever the caller passes, one level deep. */
export function resolveOptions(overrides: Partial<Omit<DetectorOptions, 'autoencoder'>> & { autoencoder?: Partial<AutoencoderOptions> } = {}): DetectorOptions {
  const merged: DetectorOptions = {
    ...DEFAULT_OPTIONS,
    ...overrides,
    autoencoder: { ...DEFAULT_OPTIONS.autoencoder, ...overrides.autoencoder },
  };
  for (const key of ['alarmRisk', 'suppressRisk', 'learnRisk', 'tailFraction'] as const) {
    if (!(merged[key] > 0 && merged[key] < 1)) throw new Error(`${key} must be in (0, 1)`);
  }
  if (!(merged.suppressFactor >= 0 && merged.suppressFactor <= 1)) throw new Error('suppressFactor must be in [0, 1]');
  if (!(merged.minPeaks >= 5)) throw new Error('minPeaks must be at least 5');
  if (!(merged.smoothRows >= 1)) throw new Error('smoothRows must be at least 1');
  if (merged.historyRows < 50) throw new Error('historyRows must be at least 50');
  if (!(merged.autoencoder.ensemble >= 1)) throw new Error('autoencoder.ensemble must be at least 1');
  if (merged.autoencoder.windowRows < 2) throw new Error('autoencoder.windowRows must be at least 2');
  return merged;
}

export type DetectorOverrides = Parameters<typeof resolveOptions>[0];
