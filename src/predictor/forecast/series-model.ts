import { CHANNELS, dailySeason, firstOrigin, restingValue, seriesScale, writeTargets, writeWindow, type WindowSpec } from './features.js';
import { forecastQuantiles, trainLstms, type LstmWeights, type SeqBatch } from './lstm.js';
import type { ForecasterOptions } from './options.js';

/** A trained model of one series and the normalisation it was trained with. */
export interface SeriesModel {
  readonly weights: LstmWeights;
  readonly spec: WindowSpec;
  /** Trainings of this series so far (1 after cold start). */
  readonly version: number;
}

/** The series' values up to (excluding) `end`, all of which a training may use. */
export interface TrainRequest {
  readonly values: ArrayLike<number>;
  readonly end: number;
  readonly stepMs: number;
  readonly version: number;
  readonly seed: number;
}

/** H steps ahead from one origin, in the series' own units. */
export interface Forecast {
  readonly median: number[];
  readonly low: number[];
  readonly high: number[];
}

/**
 * Train one model per request in one stacked call (same shape for all). Season and scale come
 * from the rows the training may see; windows end every k-th row of the last trainRows rows so
 * that at most maxSamples are used.
 */
export async function trainSeriesModels(requests: readonly TrainRequest[], o: ForecasterOptions, cancelled?: () => boolean): Promise<SeriesModel[] | undefined> {
  if (requests.length === 0) return [];
  const specs: WindowSpec[] = [];
  const batches: SeqBatch[] = requests.map((r) => {
    const from = Math.max(0, r.end - o.trainRows);
    const season = dailySeason(r.values, r.stepMs, 0, r.end, o.seasonCorrelation);
    const rest = o.restShare > 0 ? restingValue(r.values, from, r.end, o.restShare) : undefined;
    const spec: WindowSpec = { window: o.window, horizon: o.horizon, season, scale: seriesScale(r.values, from, r.end), ...(rest !== undefined ? { rest } : {}) };
    specs.push(spec);
    const first = Math.max(firstOrigin(spec), from);
    const last = r.end - 1 - o.horizon;
    const available = Math.max(0, last - first + 1);
    const stride = Math.max(1, Math.ceil(available / o.maxSamples));
    const origins: number[] = [];
    for (let t = last; t >= first && origins.length < o.maxSamples; t -= stride) origins.push(t);
    const inputs = new Float32Array(origins.length * o.window * CHANNELS);
    const targets = new Float32Array(origins.length * o.horizon);
    origins.forEach((t, i) => {
      writeWindow(r.values, t, spec, inputs, i * o.window * CHANNELS);
      writeTargets(r.values, t, spec, targets, i * o.horizon);
    });
    return { inputs, targets, count: origins.length };
  });
  const weights = await trainLstms(
    batches,
    { steps: o.window, channels: CHANNELS, units: o.units, horizon: o.horizon },
    requests.map((r) => r.seed),
    o,
    cancelled,
  );
  return weights?.map((w, i) => ({ weights: w, spec: specs[i]!, version: requests[i]!.version }));
}

export interface ForecastRequest {
  readonly model: SeriesModel;
  readonly values: ArrayLike<number>;
  /** Row indices to forecast from (each must have the model's history behind it). */
  readonly origins: readonly number[];
}

/** Forecasts from every origin of every request in one stacked call. */
export function forecastSeries(requests: readonly ForecastRequest[], o: Pick<ForecasterOptions, 'window' | 'noChangeBand' | 'restBand'>): Forecast[][] {
  if (requests.length === 0) return [];
  const batches: SeqBatch[] = requests.map((r) => {
    const inputs = new Float32Array(r.origins.length * o.window * CHANNELS);
    r.origins.forEach((t, i) => writeWindow(r.values, t, r.model.spec, inputs, i * o.window * CHANNELS));
    return { inputs, count: r.origins.length };
  });
  const q = forecastQuantiles(
    requests.map((r) => r.model.weights),
    batches,
    o.window,
  );
  return requests.map((r, i) => {
    const h = r.model.spec.horizon;
    const s = r.model.spec.scale;
    const rest = r.model.spec.rest;
    return r.origins.map((t, j) => {
      const last = r.values[t]!;
      // A median change well below the series' typical step is forecast as no change: exactly,
      // not a hair off (a gauge resting at 0 stays at 0, which sMAPE rewards and MASE barely sees);
      // a median within restBand typical steps of the series' resting value is that value.
      const pick = (a: Float32Array, deadband: number, restBand: number) =>
        Array.from(a.subarray(j * h, (j + 1) * h), (z) => {
          if (Math.abs(z) < deadband) return last;
          const f = last + s * z;
          return rest !== undefined && Math.abs(f - rest) < restBand * s ? rest : f;
        });
      const median = pick(q[i]!.median, o.noChangeBand, o.restBand);
      // The band keeps the LSTM's quantiles, widened where a snapped median fell outside them.
      const low = pick(q[i]!.low, 0, 0).map((v, k) => Math.min(v, median[k]!));
      const high = pick(q[i]!.high, 0, 0).map((v, k) => Math.max(v, median[k]!));
      return { median, low, high };
    });
  });
}

/** Whether a series with `rows` rows (trained at `trainedAt` rows, if ever) is due for training. */
export function trainingDue(rows: number, trainedAt: number | undefined, o: ForecasterOptions): boolean {
  return rows >= dueRow(trainedAt, o);
}

/** The row count at which a series (trained at `trainedAt` rows, or never) is due for training. */
export function dueRow(trainedAt: number | undefined, o: Pick<ForecasterOptions, 'coldStartRows' | 'retrainEveryRows'>): number {
  return trainedAt === undefined ? o.coldStartRows : trainedAt + o.retrainEveryRows;
}

/** An origin needs the window (and a season back) behind it. */
export function canForecast(model: SeriesModel, origin: number): boolean {
  return origin >= firstOrigin(model.spec);
}

