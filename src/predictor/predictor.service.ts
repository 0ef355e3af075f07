import { CounterRates } from '../platform/series/counter-rates.js';
import type { MetricSampleValue } from '../platform/series/metric-sample.js';
import { seriesKey, seriesName } from '../platform/series/series-identity.js';
import { StepAligner } from '../platform/series/step-aligner.js';
import { derivedId } from '../platform/bus/message-id.js';
import type { Emit, HandlerContext, InRecord } from '../platform/stage/types.js';
import { OnlineForecaster, type SeriesForecast } from './forecast/online-forecaster.js';
import { crossing } from './limits/breach.js';
import { limitsFor, type LimitRule } from './limits/limit-rules.js';
import { PredictionTracker, predictionKey, type Transition } from './limits/prediction-tracker.js';
import type { PredictorModelStore } from './model-store/predictor-model-store.js';
import type { PredictorServiceOptions } from './options.js';
import { predictorMetrics as m } from './predictor.metrics.js';
import type { PredictionEvent } from './types.js';

const SEP = '\u0000';

/** One forecast series: tenant + entity + metric + labels (`seriesKey`), with what its events carry. */
interface SeriesInfo {
  readonly entity: string;
  readonly metric: string;
  labels: Record<string, string>;
  /** The latest input of the series, parent of the predictions it leads to. */
  ref: InRecord<unknown> | undefined;
}

/**
 * The predictor's logic, no I/O: telemetry.metrics samples of watched series (those a limit in
 * the rules applies to) → StepAligner, each series aligned alone under its `seriesKey` (tenant +
 * entity + metric + labels, as ingest and the detector key series) → one value per series per
 * step → OnlineForecaster (train what is due, forecast every new step: one model call each per
 * batch) → each limit's crossing → PredictionTracker → aiops.predictions records (issued /
 * updated / withdrawn).
 */
export class PredictorService {
  readonly forecaster: OnlineForecaster;
  readonly tracker: PredictionTracker;
  readonly aligner: StepAligner<InRecord<unknown>>;
  private readonly counters = new CounterRates();
  private readonly info = new Map<string, SeriesInfo>();
  private queue: Promise<unknown> = Promise.resolve();
  private lastDropped = { late: 0, invalid: 0 };
  private trainingSeconds = 0;
  private trainings = 0;
  private restored = 0;
  private eventTime = -Infinity;
  private lastSweep = -Infinity;
  private store: PredictorModelStore | undefined;
  private saving: Promise<void> = Promise.resolve();
  /** Series already looked for in the store since they (re)appeared here. */
  private readonly lookedUp = new Set<string>();
  private log: (line: string) => void = () => {};

  constructor(
    readonly options: PredictorServiceOptions,
    readonly rules: readonly LimitRule[],
  ) {
    this.forecaster = new OnlineForecaster(options.forecaster);
    this.tracker = new PredictionTracker(options.tracker);
    this.aligner = new StepAligner(options.aligner);
  }

  /** Load the store's models (each taken over by its series' first step); returns how many. */
  async loadModels(store: PredictorModelStore, log: (line: string) => void): Promise<number> {
    this.store = store;
    this.log = log;
    const models = await store.loadAll((dir, err) => log(`model store: skipping ${dir}: ${err.message}`));
    for (const [series, model] of models) this.forecaster.restore(series, model);
    return models.size;
  }

  /** Saves run in the background, one at a time: forecasting never waits for the disk. */
  whenSaved(): Promise<void> {
    return this.saving;
  }

  private saveTrained(): void {
    const trained = this.forecaster.takeTrained();
    const store = this.store;
    if (!store || trained.length === 0) return;
    this.saving = this.saving.then(async () => {
      for (const [series, model] of trained) {
        await store.save(series, model).then(
          () => m.modelsSaved.inc(),
          (err: Error) => {
            m.modelSaveErrors.inc();
            this.log(`model store: saving ${this.describe(series)} v${model.version} failed: ${err.message}`);
          },
        );
      }
    });
  }

  /**
   * A series this process has not seen may have been trained by another one (its partition
   * moved here after a rebalance): look for its model once, before its first step.
   */
  private async lookUpModels(keys: readonly string[]): Promise<void> {
    const store = this.store;
    if (!store) return;
    for (const key of new Set(keys)) {
      if (this.lookedUp.has(key) || this.forecaster.knows(key)) continue;
      this.lookedUp.add(key);
      const model = await store.load(key).catch((err: Error) => {
        this.log(`model store: cannot read ${this.describe(key)}'s model: ${err.message}`);
        return undefined;
      });
      if (model) this.forecaster.restore(key, model);
    }
  }

  /** The StageHandler: prediction records to append before the batch is committed. */
  readonly handle = async (records: InRecord<unknown>[], ctx?: Pick<HandlerContext, 'isRunning'>): Promise<Emit[]> => {
    // A stop abandons a training in progress: the batch finishes (and commits) without it.
    const events = await this.process(records, ctx ? () => !ctx.isRunning() : undefined);
    return events.map(({ event, source }) => ({ topic: this.options.topics.predictions, key: event.entity, value: event, id: source ? derivedId(source, `prediction:${event.limit.name}:${event.status}`) : `${event.id}:${event.status}:${event.timestamp}`, source }));
  };

  /** Batches one at a time: the forecaster's state and training are shared. */
  process(records: InRecord<unknown>[], cancelled?: () => boolean): Promise<Array<{ event: PredictionEvent; source: InRecord<unknown> | undefined }>> {
    const run = this.queue.then(() => this.processNow(records, cancelled));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async processNow(records: InRecord<unknown>[], cancelled?: () => boolean): Promise<Array<{ event: PredictionEvent; source: InRecord<unknown> | undefined }>> {
    for (const record of records) {
      const v = record.value as MetricSampleValue;
      const labels = v.labels ?? {};
      if (limitsFor(this.rules, v.metric, labels).length === 0) continue;
      const key = seriesKey(v);
      let value = v.value;
      if (v.kind === 'counter') {
        const r = this.counters.rate(v, v.timestamp, v.value, key);
        if (!r.ok) {
          m.samplesDropped.labels(r.reason).inc();
          continue;
        }
        value = r.rate;
      }
      if (!this.info.has(key)) this.info.set(key, { entity: v.entity, metric: v.metric, labels, ref: undefined });
      // Each series is aligned alone (its key as the aligner's entity): its own step and watermark.
      this.aligner.add({ entity: key, series: key, timestamp: v.timestamp, value }, record);
    }
    this.countDrops();
    const steps = this.aligner.drain();
    await this.lookUpModels(steps.map((step) => step.entity));
    // Each forecast's parent (and the seed of its record's id) is the input of its own step.
    const refs = new Map<string, InRecord<unknown>>();
    for (const step of steps) {
      const key = step.entity;
      this.forecaster.observe(key, step.time, step.values[0]!, step.stepMs);
      const info = this.info.get(key);
      if (info && step.ref) info.ref = step.ref;
      if (step.ref) refs.set(key + SEP + step.time, step.ref);
      this.eventTime = Math.max(this.eventTime, step.time);
    }
    const forecasts = await this.forecaster.update(cancelled);
    this.saveTrained();
    m.forecasts.inc(forecasts.length);
    const out: Array<{ event: PredictionEvent; source: InRecord<unknown> | undefined }> = [];
    for (const f of forecasts) {
      const info = this.info.get(f.series);
      if (!info) continue;
      for (const rule of limitsFor(this.rules, info.metric, info.labels)) {
        const c = crossing(f.forecast, rule, { low: this.forecaster.options.lowQuantile, high: this.forecaster.options.highQuantile });
        const t = this.tracker.observe(predictionKey(f.series, rule.name), f.time, f.stepMs, c);
        if (!t) continue;
        m.predictions.labels(t.status).inc();
        out.push({ event: this.event(info, rule, f, t), source: refs.get(f.series + SEP + f.time) ?? info.ref });
      }
    }
    out.push(...this.sweepIdle());
    this.recordStats();
    return out;
  }

  private event(info: SeriesInfo, rule: LimitRule, f: SeriesForecast, t: Transition): PredictionEvent {
    const forecast = f.forecast.median.map((mean, h) => ({
      timestamp: f.time + (h + 1) * f.stepMs,
      mean: finite(mean),
      lower: finite(f.forecast.low[h]!),
      upper: finite(f.forecast.high[h]!),
    }));
    return {
      id: t.id,
      entity: info.entity,
      metric: info.metric,
      timestamp: f.time,
      status: t.status,
      limit: { name: rule.name, op: rule.op, value: rule.value },
      expected_breach_at: t.expectedBreachAt,
      probability: t.probability,
      model_version: `lstm-v${f.modelVersion}`,
      forecast,
      // The schema allows 64 labels: ours first, then as many of the samples' as fit.
      labels: Object.fromEntries(Object.entries({ step_ms: String(f.stepMs), horizon_steps: String(f.forecast.median.length), ...info.labels }).slice(0, 64)),
    };
  }

  /**
   * Memory bound: series with no step for idleMs of event time are forgotten; their open
   * predictions are withdrawn (nothing will update them any more).
   */
  private sweepIdle(): Array<{ event: PredictionEvent; source: InRecord<unknown> | undefined }> {
    const idleMs = this.options.idleMs;
    if (!(idleMs > 0) || this.eventTime - this.lastSweep < idleMs / 7) return [];
    if (this.lastSweep === -Infinity) {
      this.lastSweep = this.eventTime;
      return [];
    }
    this.lastSweep = this.eventTime;
    const out: Array<{ event: PredictionEvent; source: InRecord<unknown> | undefined }> = [];
    for (const key of this.forecaster.dropIdle(this.eventTime, idleMs)) {
      const info = this.info.get(key);
      this.info.delete(key);
      this.lookedUp.delete(key);
      this.aligner.forget(key);
      if (!info) continue;
      for (const t of this.tracker.withdrawAll(key + SEP)) {
        const rule = this.rules.find((r) => predictionKey(key, r.name) === t.key);
        if (!rule) continue;
        m.predictions.labels('withdrawn').inc();
        out.push({
          event: {
            id: t.id,
            entity: info.entity,
            metric: info.metric,
            timestamp: this.eventTime,
            status: 'withdrawn',
            limit: { name: rule.name, op: rule.op, value: rule.value },
            expected_breach_at: t.expectedBreachAt,
            probability: 0,
            model_version: 'idle',
            forecast: [],
            labels: Object.fromEntries(Object.entries({ reason: 'idle', ...info.labels }).slice(0, 64)),
          },
          source: info.ref,
        });
      }
    }
    return out;
  }

  private recordStats(): void {
    const f = this.forecaster;
    if (f.trainingSeconds > this.trainingSeconds) m.trainingSeconds.inc(f.trainingSeconds - this.trainingSeconds);
    if (f.trainings > this.trainings) {
      m.trainings.inc(f.trainings - this.trainings);
      m.lastTraining.set(Date.now() / 1000);
    }
    this.trainingSeconds = f.trainingSeconds;
    this.trainings = f.trainings;
    m.models.set(f.modelCount);
    if (f.restoredCount > this.restored) m.modelsRestored.inc(f.restoredCount - this.restored);
    this.restored = f.restoredCount;
    m.series.set(f.seriesCount);
    m.open.set(this.tracker.openCount);
  }

  /** `host-1/disk_used_ratio{mount="/"}`, for log lines. */
  private describe(key: string): string {
    const info = this.info.get(key);
    return info ? `${info.entity}/${seriesName(info.metric, info.labels)}` : key;
  }

  private countDrops(): void {
    // One slot per aligned series: never new_series or series_cap.
    for (const reason of ['late', 'invalid'] as const) {
      const delta = this.aligner.dropped[reason] - this.lastDropped[reason];
      if (delta > 0) m.samplesDropped.labels(reason).inc(delta);
    }
    this.lastDropped = { ...this.aligner.dropped };
  }
}

/** JSON has no Infinity or NaN: a diverged forecast is written as 0 rather than failing the schema. */
function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}
