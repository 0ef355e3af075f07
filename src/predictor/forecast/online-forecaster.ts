import { hashString } from '../../platform/random.js';
import { DEFAULT_FORECASTER, type ForecasterOptions } from './options.js';
import { newSelector, selectAlong, type ForecastSelector, type SelectorState } from './selector.js';
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

/**
 * Everything a series' forecasting needs to go on where it left off (a checkpoint's part for
 * one series): its kept history, its model and when it was trained, the first row not yet
 * forecast from, and what its selector has learnt. Arrays are the forecaster's own: read at once.
 */
export interface SeriesSnapshot {
  readonly stepMs: number;
  readonly values: readonly number[];
  readonly times: readonly number[];
  /** Rows dropped off the front of the history. */
  readonly dropped: number;
  readonly model: SeriesModel | undefined;
  readonly trainedAt: number | undefined;
  readonly pending: number;
  readonly lastTime: number;
  readonly selector: SelectorState | undefined;
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
  /** Trained since the last takeTrained(): for the checkpoints and the model export. */
  private trained: string[] = [];
  /** Series taken over from a snapshot with a trained model (no cold start). */
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

  /** The series' state, for a checkpoint (undefined: not held here). */
  snapshot(series: string): SeriesSnapshot | undefined {
    const s = this.series.get(series);
    if (!s) return undefined;
    return { stepMs: s.stepMs, values: s.values, times: s.times, dropped: s.dropped, model: s.model, trainedAt: s.trainedAt, pending: s.pending, lastTime: s.lastTime, selector: s.selector?.state() };
  }

  /**
   * Take over a series from its snapshot (replacing what was held): it forecasts and retrains
   * exactly as the process that wrote it would have. A model of another shape than configured
   * is left behind (the series trains anew, as it is then due), and so is a selector's state of
   * another horizon. Returns whether the series came back with its model.
   */
  restore(series: string, snap: SeriesSnapshot): boolean {
    const o = this.options;
    const s = new SeriesState(snap.stepMs, newSelector(o));
    s.values = [...snap.values];
    s.times = [...snap.times];
    s.dropped = snap.dropped;
    s.pending = snap.pending;
    s.lastTime = snap.lastTime;
    const w = snap.model?.weights;
    if (snap.model && w!.units === o.units && w!.horizon === o.horizon && snap.model.spec.window === o.window) {
      s.model = snap.model;
      s.trainedAt = snap.trainedAt;
      this.restoredCount++;
    }
    if (s.selector && snap.selector) {
      try {
        s.selector.load(snap.selector);
      } catch {
        // Another horizon: the new selector learns afresh (the LSTM alone until errors are known).
      }
    }
    this.series.set(series, s);
    return s.model !== undefined;
  }

  /** Forget a series (its partition moved to another process). */
  forget(series: string): void {
    this.series.delete(series);
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
