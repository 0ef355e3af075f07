/** The forecaster's settings: one configuration for every series (never tuned per file). */
export interface ForecasterOptions {
  /** Steps of history the LSTM reads. */
  readonly window: number;
  /** Steps ahead forecast (H). */
  readonly horizon: number;
  readonly units: number;
  /** Rows a series needs before its first model is trained (cold start on its own rows). */
  readonly coldStartRows: number;
  /** Rows after which a series' model is trained again, from scratch, on its recent rows. */
  readonly retrainEveryRows: number;
  /** Rows (ending at the latest) a training draws its windows from. */
  readonly trainRows: number;
  /** Windows per training at most (evenly strided over trainRows). */
  readonly maxSamples: number;
  readonly epochs: number;
  readonly batchRows: number;
  readonly learningRate: number;
  /** Quantiles of the band's edges. */
  readonly lowQuantile: number;
  readonly highQuantile: number;
  /** Autocorrelation at one day's lag above which a series is seasonal. */
  readonly seasonCorrelation: number;
  /** A forecast median change smaller than this (in units of the series' mean step change) is no change. */
  readonly noChangeBand: number;
  /**
   * A series whose most frequent value covers at least restShare of a training's rows rests at
   * it (0: never); a forecast median within restBand scales of it is exactly it.
   */
  readonly restShare: number;
  readonly restBand: number;
  readonly seed: number;
  /**
   * Online selection per series and step ahead between the LSTM, naive and seasonal naive by
   * their recent errors (forecast/selector.ts): half-life of the error weights in origins (0:
   * the LSTM alone), errors known before a benchmark may be chosen, and the margin (a fraction
   * of the LSTM's error) a benchmark must win by.
   */
  readonly selectionHalfLife: number;
  readonly selectionMinScored: number;
  readonly selectionMargin: number;
  /**
   * Series trained per update() at most (the longest-waiting first): training blocks the
   * process's one thread, so a cold start of many series is spread over several batches.
   */
  readonly maxTrainPerUpdate: number;
}

export const DEFAULT_FORECASTER: ForecasterOptions = {
  window: 24,
  horizon: 12,
  units: 16,
  coldStartRows: 400,
  retrainEveryRows: 2000,
  trainRows: 2000,
  maxSamples: 768,
  epochs: 20,
  batchRows: 64,
  learningRate: 0.01,
  lowQuantile: 0.1,
  highQuantile: 0.9,
  seasonCorrelation: 0.3,
  noChangeBand: 0.25,
  restShare: 0.2,
  restBand: 1,
  seed: 42,
  selectionHalfLife: 288,
  selectionMinScored: 24,
  selectionMargin: 0,
  maxTrainPerUpdate: 4,
};
