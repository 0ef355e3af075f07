import type { ForecasterOptions } from '../forecast/options.js';
import { canForecast, forecastSeries, trainSeriesModels, type Forecast, type SeriesModel } from '../forecast/series-model.js';

/** One series to backtest: its values, step, and the origins to forecast from. */
export interface RollingSeries {
  readonly values: Float64Array;
  readonly stepMs: number;
  readonly origins: readonly number[];
  readonly seed: number;
}

/**
 * Rolling-origin forecasts exactly as the service would make them, no look-ahead: the series'
 * k-th model is trained on rows [0, coldStart + k·retrainEvery) and forecasts only from origins
 * at or after the last row it saw, up to the next training. Training k of every series runs in
 * one stacked call. Origins before the first model (or without enough history) get undefined.
 */
export async function rollingForecasts(series: readonly RollingSeries[], o: ForecasterOptions, log: (line: string) => void = () => {}): Promise<Array<Array<Forecast | undefined>>> {
  const out = series.map((s) => s.origins.map((): Forecast | undefined => undefined));
  const trainingEnds = series.map((s) => {
    const ends: number[] = [];
    for (let end = o.coldStartRows; end <= s.values.length; end += o.retrainEveryRows) ends.push(end);
    return ends;
  });
  const phases = Math.max(0, ...trainingEnds.map((e) => e.length));
  for (let k = 0; k < phases; k++) {
    const members = series.map((_, i) => i).filter((i) => trainingEnds[i]![k] !== undefined);
    const started = performance.now();
    const models = await trainSeriesModels(
      members.map((i) => ({ values: series[i]!.values, end: trainingEnds[i]![k]!, stepMs: series[i]!.stepMs, version: k + 1, seed: series[i]!.seed + k })),
      o,
    );
    if (!models) throw new Error('training was cancelled');
    log(`training ${k + 1}/${phases}: ${members.length} series in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const requests: Array<{ model: SeriesModel; values: Float64Array; origins: number[]; slots: number[]; index: number }> = [];
    members.forEach((i, j) => {
      const s = series[i]!;
      const model = models[j]!;
      const from = trainingEnds[i]![k]! - 1;
      const to = trainingEnds[i]![k + 1] !== undefined ? trainingEnds[i]![k + 1]! - 1 : Infinity;
      const slots = s.origins.map((t, n) => (t >= from && t < to && canForecast(model, t) ? n : -1)).filter((n) => n >= 0);
      if (slots.length > 0) requests.push({ model, values: s.values, origins: slots.map((n) => s.origins[n]!), slots, index: i });
    });
    // Forecast in chunks so one call's tensors stay small.
    const chunk = 2048;
    for (let at = 0; ; at += chunk) {
      const part = requests.filter((r) => r.origins.length > at);
      if (part.length === 0) break;
      const forecasts = forecastSeries(
        part.map((r) => ({ model: r.model, values: r.values, origins: r.origins.slice(at, at + chunk) })),
        o,
      );
      part.forEach((r, j) => forecasts[j]!.forEach((f, n) => (out[r.index]![r.slots[at + n]!] = f)));
    }
  }
  return out;
}
