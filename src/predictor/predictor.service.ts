import { CounterRates } from '../platform/series/counter-rates.js';
import { StepAligner } from '../detector/step-aligner.js';
import type { MetricSampleValue } from '../detector/types.js';
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

interface SeriesInfo {
  readonly entity: string;
  readonly metric: string;
  labels: Record<string, string>;
  /** The latest input of the series, parent of the predictions it leads to. */
  ref: InRecord<unknown> | undefined;
}

/**
 * The predictor's logic, no I/O: telemetry.metrics samples of watched metrics (those with a
 * limit in the rules) → StepAligner → one value per series per step → OnlineForecaster (train
 * what is due, forecast every new step: one model call each per batch) → each limit's crossing
 * → PredictionTracker → aiops.predictions records (issued / updated / withdrawn).
 */
export class PredictorService {
  readonly forecaster: OnlineForecaster;
  readonly tracker: PredictionTracker;
  readonly aligner: StepAligner<InRecord<unknown>>;
  private readonly counters = new CounterRates();
  private readonly info = new Map<string, SeriesInfo>();
  private queue: Promise<unknown> = Promise.resolve();
  private lastDropped = { late: 0, new_metric: 0, invalid: 0 };
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
            this.log(`model store: saving ${series.replace(SEP, '/')} v${model.version} failed: ${err.message}`);
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
        this.log(`model store: cannot read ${key.replace(SEP, '/')}'s model: ${err.message}`);
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
      let value = v.value;
      if (v.kind === 'counter') {
        const r = this.counters.rate(v.entity, v.metric, v.timestamp, v.value);
        if (!r.ok) {
          m.samplesDropped.labels(r.reason).inc();
          continue;
        }
        value = r.rate;
      }
      const key = v.entity + SEP + v.metric;
      const info = this.info.get(key);
      if (info) info.labels = labels;
      else this.info.set(key, { entity: v.entity, metric: v.metric, labels, ref: undefined });
      this.aligner.add({ entity: v.entity, metric: v.metric, timestamp: v.timestamp, value }, record);
    }
    this.countDrops();
    const steps = this.aligner.drain();
    await this.lookUpModels(steps.flatMap((step) => step.metrics.map((metric) => step.entity + SEP + metric)));
    // Each forecast's parent (and the seed of its record's id) is the input of its own step.
    const refs = new Map<string, InRecord<unknown>>();
    for (const step of steps) {
      step.metrics.forEach((metric, i) => {
        const key = step.entity + SEP + metric;
        this.forecaster.observe(key, step.time, step.values[i]!, step.stepMs);
        const info = this.info.get(key);
        if (info && step.ref) info.ref = step.ref;
        if (step.ref) refs.set(key + SEP + step.time, step.ref);
      });
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
        const t = this.tracker.observe(predictionKey(info.entity, info.metric, rule.name), f.time, f.stepMs, c);
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
      if (!info) continue;
      for (const t of this.tracker.withdrawAll(info.entity + SEP + info.metric + SEP)) {
        const rule = this.rules.find((r) => predictionKey(info.entity, info.metric, r.name) === t.key);
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

  private countDrops(): void {
    for (const reason of ['late', 'new_metric', 'invalid'] as const) {
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
