import type { ForecasterOptions } from '../forecast/options.js';
import { newSelector, selectAlong } from '../forecast/selector.js';
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
 * With selection on (the service's default), every row from the first model on is forecast and
 * walked through the series' selector in order, as the service does with every new step, so the
 * choice at an origin is made from the same errors the service would have seen.
 */
export async function rollingForecasts(series: readonly RollingSeries[], o: ForecasterOptions, log: (line: string) => void = () => {}): Promise<Array<Array<Forecast | undefined>>> {
  const out = series.map((s) => s.origins.map((): Forecast | undefined => undefined));
  const trainingEnds = series.map((s) => {
    const ends: number[] = [];
    for (let end = o.coldStartRows; end <= s.values.length; end += o.retrainEveryRows) ends.push(end);
    return ends;
  });
  const phases = Math.max(0, ...trainingEnds.map((e) => e.length));
  const selectors = series.map(() => newSelector(o));
  for (let k = 0; k < phases; k++) {
    const members = series.map((_, i) => i).filter((i) => trainingEnds[i]![k] !== undefined);
    const started = performance.now();
    const models = await trainSeriesModels(
      members.map((i) => ({ values: series[i]!.values, end: trainingEnds[i]![k]!, stepMs: series[i]!.stepMs, version: k + 1, seed: series[i]!.seed + k })),
      o,
    );
    if (!models) throw new Error('training was cancelled');
    log(`training ${k + 1}/${phases}: ${members.length} series in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const requests: Array<{ model: SeriesModel; values: Float64Array; origins: number[]; slots: number[]; index: number; from: number; to: number }> = [];
    members.forEach((i, j) => {
      const s = series[i]!;
      const model = models[j]!;
      const from = trainingEnds[i]![k]! - 1;
      const to = trainingEnds[i]![k + 1] !== undefined ? trainingEnds[i]![k + 1]! - 1 : Infinity;
      const slots = s.origins.map((t, n) => (t >= from && t < to && canForecast(model, t) ? n : -1)).filter((n) => n >= 0);
      if (selectors[i]) {
        // Every row up to the last requested origin of this model's span.
        const end = Math.min(to, (s.origins.at(-1) ?? -1) + 1);
        const origins: number[] = [];
        for (let t = from; t < end; t++) if (canForecast(model, t)) origins.push(t);
        if (origins.length > 0) requests.push({ model, values: s.values, origins, slots, index: i, from, to: end });
      } else if (slots.length > 0) requests.push({ model, values: s.values, origins: slots.map((n) => s.origins[n]!), slots, index: i, from, to });
    });
    // Forecast in chunks so one call's tensors stay small.
    const made = requests.map((r) => new Array<Forecast>(r.origins.length));
    const chunk = 2048;
    for (let at = 0; ; at += chunk) {
      const part = requests.map((r, n) => ({ r, n })).filter(({ r }) => r.origins.length > at);
      if (part.length === 0) break;
      const forecasts = forecastSeries(
        part.map(({ r }) => ({ model: r.model, values: r.values, origins: r.origins.slice(at, at + chunk) })),
        o,
      );
      part.forEach(({ n }, j) => forecasts[j]!.forEach((f, m) => (made[n]![at + m] = f)));
    }
    requests.forEach((r, n) => {
      const selector = selectors[r.index];
      if (!selector) {
        r.slots.forEach((slot, m) => (out[r.index]![slot] = made[n]![m]));
        return;
      }
      const wanted = new Map(r.slots.map((slot) => [series[r.index]!.origins[slot]!, slot]));
      const chosen = selectAlong(selector, r.values, 0, r.from, r.to, r.origins, made[n]!, () => r.model.spec.season);
      r.origins.forEach((t, m) => {
        const slot = wanted.get(t);
        if (slot !== undefined) out[r.index]![slot] = chosen[m];
      });
    });
  }
  return out;
}
