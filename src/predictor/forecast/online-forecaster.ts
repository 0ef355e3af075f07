import { hashString } from '../../platform/random.js';
import { DEFAULT_FORECASTER, type ForecasterOptions } from './options.js';
import { newSelector, selectAlong, type ForecastSelector } from './selector.js';
import { canForecast, dueRow, forecastSeries, trainingDue, trainSeriesModels, type Forecast, type SeriesModel } from './series-model.js';

/** A series' k-th training (k from 0) draws its initial weights from this seed, as the backtest's does. */
export function seriesSeed(seed: number, series: string, k: number): number {
  return seed + (hashString(series) % 10_000) + k;
}

/** One forecast from one step of one series. */
export interface SeriesForecast {
  readonly series: string;
  /** Time of the step forecast from (the origin); step h is at time + h·stepMs. */
  readonly time: number;
  readonly stepMs: number;
  readonly forecast: Forecast;
  readonly modelVersion: number;
}

class SeriesState {
  values: number[] = [];
  times: number[] = [];
  /** Rows dropped off the front: absolute row = dropped + index. */
  dropped = 0;
  model: SeriesModel | undefined;
  /** Absolute rows when the model was trained. */
  trainedAt: number | undefined;
  /** Absolute row of the first step not yet forecast from. */
  pending = 0;
  lastTime = -Infinity;

  constructor(
    readonly stepMs: number,
    /** LSTM or benchmark, per step ahead, by recent errors (undefined: the LSTM alone). */
    readonly selector: ForecastSelector | undefined,
  ) {}

  get rows(): number {
    return this.dropped + this.values.length;
  }
}

/**
 * The forecaster as the service runs it: per series (entity + metric) a history of its steps,
 * a cold start on its own first rows, periodic retrains, and forecasts from every new step.
 * `update()` trains every due series in one stacked call, then forecasts every new step of
 * every series in another: one model call per batch, however many series.
 */
export class OnlineForecaster {
  readonly options: ForecasterOptions;
  private readonly series = new Map<string, SeriesState>();
  /** Stored models waiting for their series' first step. */
  private readonly restored = new Map<string, SeriesModel>();
  /** Trained since the last takeTrained(), for the model store. */
  private trained: string[] = [];
  restoredCount = 0;
  trainingSeconds = 0;
  trainings = 0;

  constructor(options: Partial<ForecasterOptions> = {}) {
    const o = { ...DEFAULT_FORECASTER, ...options };
    // The seasonal channel reads the last H steps of the window, and the one before.
    this.options = { ...o, window: Math.max(o.window, o.horizon + 1) };
  }

  /** Append one step; a missing value (NaN) repeats the last one, and a series never starts on one. */
  observe(series: string, time: number, value: number, stepMs: number): void {
    let s = this.series.get(series);
    if (!s) {
      if (!Number.isFinite(value)) return;
      this.series.set(series, (s = new SeriesState(stepMs, newSelector(this.options))));
      this.takeRestored(series, s);
    }
    if (time <= s.lastTime) return;
    s.lastTime = time;
    s.values.push(Number.isFinite(value) ? value : s.values.at(-1)!);
    s.times.push(time);
    const cap = this.capacity(s.stepMs);
    // Trimmed in chunks, so the copy is rare.
    if (s.values.length > cap * 1.25) {
      const cut = s.values.length - cap;
      s.values = s.values.slice(cut);
      s.times = s.times.slice(cut);
      s.dropped += cut;
    }
  }

  /**
   * Train what is due, then forecast from every step not yet forecast from (of series with a
   * model). Training abandoned through `cancelled` (a stop) leaves those series due.
   */
  async update(cancelled?: () => boolean): Promise<SeriesForecast[]> {
    const o = this.options;
    const due = [...this.series.entries()]
      .filter(([, s]) => trainingDue(s.rows, s.trainedAt, o))
      .sort(([, a], [, b]) => b.rows - (b.trainedAt ?? 0) - (a.rows - (a.trainedAt ?? 0)))
      .slice(0, o.maxTrainPerUpdate);
    // The model a series had before this call forecasts its rows up to the training row.
    const before = new Map<SeriesState, SeriesModel | undefined>();
    if (due.length > 0) {
      const started = performance.now();
      // Trained on the rows up to the one where training fell due (or up to the first row not yet
      // forecast, if it waited), so the rest of the batch is forecast out of sample by the new
      // model: how rows are batched does not change what is forecast, nor by which model.
      const ends = due.map(([, s]) => {
        const end = Math.max(dueRow(s.trainedAt, o), s.pending) - s.dropped;
        // That row already trimmed off (one huge batch): all rows held.
        return end > 0 ? Math.min(s.values.length, end) : s.values.length;
      });
      const models = await trainSeriesModels(
        due.map(([name, s], i) => ({ values: s.values, end: ends[i]!, stepMs: s.stepMs, version: (s.model?.version ?? 0) + 1, seed: seriesSeed(o.seed, name, s.model?.version ?? 0) })),
        o,
        cancelled,
      );
      due.forEach(([name, s], i) => {
        if (!models) return;
        before.set(s, s.model);
        s.model = models[i];
        s.trainedAt = s.dropped + ends[i]!;
        this.trained.push(name);
      });
      this.trainingSeconds += (performance.now() - started) / 1000;
      if (models) this.trainings += due.length;
    }
    const requests: Array<{ name: string; s: SeriesState; from: number; parts: Array<{ model: SeriesModel; origins: number[] }> }> = [];
    for (const [name, s] of this.series) {
      const from = Math.max(s.pending, s.dropped);
      s.pending = s.rows;
      const retrained = before.has(s);
      // A model forecasts from the last row it trained on, never from earlier (in-sample) rows.
      const split = retrained ? s.trainedAt! - 1 : from;
      const parts = [
        { model: before.get(s), origins: this.origins(s, before.get(s), from, split) },
        { model: s.model, origins: this.origins(s, s.model, Math.max(from, split), s.rows) },
      ].filter((p): p is { model: SeriesModel; origins: number[] } => p.model !== undefined && p.origins.length > 0);
      if (parts.length > 0) requests.push({ name, s, from, parts });
    }
    const forecasts = forecastSeries(
      requests.flatMap((r) => r.parts.map((p) => ({ model: p.model, values: r.s.values, origins: p.origins }))),
      o,
    );
    let k = 0;
    return requests.flatMap((r) => {
      const { s } = r;
      const lstm = r.parts.flatMap(() => forecasts[k++]!);
      const origins = r.parts.flatMap((p) => p.origins);
      const models = r.parts.flatMap((p) => p.origins.map(() => p.model));
      const selected = s.selector ? selectAlong(s.selector, s.values, s.dropped, r.from, s.rows, origins, lstm, (j) => models[j]!.spec.season) : lstm;
      return origins.map((t, j) => ({ series: r.name, time: s.times[t]!, stepMs: s.stepMs, forecast: selected[j]!, modelVersion: models[j]!.version }));
    });
  }

  /** Indexes (into the series' arrays) of absolute rows [from, to) the model can forecast from. */
  private origins(s: SeriesState, model: SeriesModel | undefined, from: number, to: number): number[] {
    const out: number[] = [];
    if (model) for (let row = from; row < to; row++) if (canForecast(model, row - s.dropped)) out.push(row - s.dropped);
    return out;
  }

  /**
   * A model from the store, taken over when the series' first step arrives (if it has the
   * configured shape): the series forecasts once it has a window of history, and retrains after
   * retrainEveryRows like any other.
   */
  restore(series: string, model: SeriesModel): void {
    this.restored.set(series, model);
  }

  /** Whether the series has state here (or a stored model waiting for it). */
  knows(series: string): boolean {
    return this.series.has(series) || this.restored.has(series);
  }

  /** Series trained since the last call, with their new models. */
  takeTrained(): Array<[string, SeriesModel]> {
    const out = this.trained.flatMap((name): Array<[string, SeriesModel]> => {
      const model = this.series.get(name)?.model;
      return model ? [[name, model]] : [];
    });
    this.trained = [];
    return out;
  }

  private takeRestored(name: string, s: SeriesState): void {
    const model = this.restored.get(name);
    if (!model) return;
    this.restored.delete(name);
    const o = this.options;
    const w = model.weights;
    if (w.units !== o.units || w.horizon !== o.horizon || model.spec.window !== o.window) return;
    s.model = model;
    s.trainedAt = 0;
    this.restoredCount++;
  }

  modelOf(series: string): SeriesModel | undefined {
    return this.series.get(series)?.model;
  }

  modelVersion(series: string): number | undefined {
    return this.series.get(series)?.model?.version;
  }

  get seriesCount(): number {
    return this.series.size;
  }

  get modelCount(): number {
    let n = 0;
    for (const s of this.series.values()) if (s.model) n++;
    return n;
  }

  /** Forget series with no step in the last idleMs before `now` (event time); returns their names. */
  dropIdle(now: number, idleMs: number): string[] {
    const idle = [...this.series.entries()].filter(([, s]) => s.lastTime < now - idleMs).map(([name]) => name);
    idle.forEach((name) => this.series.delete(name));
    return idle;
  }

  /** Rows kept: what a training draws from, plus room to detect a daily season (three days). */
  private capacity(stepMs: number): number {
    const o = this.options;
    const day = stepMs > 0 ? Math.min(1440, Math.round(86_400_000 / stepMs)) : 0;
    return Math.max(o.trainRows, 3 * day) + day + o.window + o.horizon;
  }
}
