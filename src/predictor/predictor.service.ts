import { hashString } from '../platform/random.js';
import { SerialQueue } from '../platform/serial-queue.js';
import { CounterRates } from '../platform/series/counter-rates.js';
import { samplesOf, type MetricRecordValue } from '../platform/series/metric-sample.js';
import { parseSeriesKey, seriesKey, seriesName } from '../platform/series/series-identity.js';
import { StepAligner } from '../platform/series/step-aligner.js';
import { derivedId } from '../platform/bus/message-id.js';
import type { Emit, HandlerContext, InRecord } from '../platform/stage/types.js';
import { decodeCheckpoint, encodeCheckpoint, type SeriesCheckpoint } from './checkpoint.js';
import { OnlineForecaster, type SeriesForecast } from './forecast/online-forecaster.js';
import type { SeriesModel } from './forecast/series-model.js';
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

/** Why an entity's checkpoint is written. */
export type CheckpointReason = 'trained' | 'prediction' | 'rows' | 'stop';

/**
 * The predictor's logic, no I/O: telemetry.metrics samples of watched series (those a limit in
 * the rules applies to) → StepAligner, each series aligned alone under its `seriesKey` (tenant +
 * entity + metric + labels, as ingest and the detector key series) → one value per series per
 * step → OnlineForecaster (train what is due, forecast every new step: one model call each per
 * batch) → each limit's crossing → PredictionTracker → aiops.predictions records (issued /
 * updated / withdrawn).
 *
 * State is per entity (the telemetry.metrics key, so it lives with its partition): each entity's
 * series can be written as one checkpoint and taken over by another process (`checkpoint`,
 * `restore`, see checkpoint.ts); the consumer keeps them on the changelog topic.
 */
export class PredictorService {
  readonly forecaster: OnlineForecaster;
  readonly tracker: PredictionTracker;
  readonly aligner: StepAligner<InRecord<unknown>>;
  private readonly counters = new CounterRates();
  private readonly info = new Map<string, SeriesInfo>();
  /** Each entity's watched series, and its telemetry.metrics partition (its changelog partition too). */
  private readonly entitySeries = new Map<string, Set<string>>();
  private readonly partitions = new Map<string, number>();
  /**
   * Steps of its series since the entity's last checkpoint, and entities that changed since in a
   * way a checkpoint should not wait for: a series trained, or a prediction was issued or withdrawn.
   */
  private readonly sinceCheckpoint = new Map<string, number>();
  private readonly changedSince = new Map<string, 'trained' | 'prediction'>();
  /** Entities forgotten for good (every series idle), with their partition: their checkpoints are to be deleted. */
  private retired: Array<{ entity: string; partition: number }> = [];
  /** Each entity's last checkpoint size, and their sum (the state-bytes gauge). */
  private readonly stateSizes = new Map<string, number>();
  private stateBytes = 0;
  private readonly queue = new SerialQueue();
  private lastDropped = { late: 0, invalid: 0 };
  private trainingSeconds = 0;
  private trainings = 0;
  private restored = 0;
  private eventTime = -Infinity;
  private lastSweep = -Infinity;
  private store: PredictorModelStore | undefined;
  /** Model exports, one at a time in the background. */
  private readonly saves = new SerialQueue();
  private log: (line: string) => void = () => {};

  constructor(
    readonly options: PredictorServiceOptions,
    readonly rules: readonly LimitRule[],
  ) {
    this.forecaster = new OnlineForecaster(options.forecaster);
    this.tracker = new PredictionTracker(options.tracker);
    this.aligner = new StepAligner(options.aligner);
  }

  /** Where the service reports what an operator should know (export failures). */
  logTo(log: (line: string) => void): void {
    this.log = log;
  }

  /**
   * Export every model trained from now on to `store` (in the background, one at a time): for
   * offline use only. Nothing is read back from it: a restart or a partition move restores from
   * the changelog.
   */
  exportModelsTo(store: PredictorModelStore): void {
    this.store = store;
  }

  /** Exports run in the background, one at a time: forecasting never waits for the disk. */
  whenSaved(): Promise<void> {
    return this.saves.idle();
  }

  private saveTrained(trained: ReadonlyArray<[string, SeriesModel]>): void {
    const store = this.store;
    if (!store || trained.length === 0) return;
    void this.saves.run(async () => {
      for (const [series, model] of trained) {
        await store.save(series, model).then(
          () => m.modelsSaved.inc(),
          (err: Error) => {
            m.modelSaveErrors.inc();
            this.log(`model export: saving ${this.describe(series)} v${model.version} failed: ${err.message}`);
          },
        );
      }
    });
  }

  /** The entity's telemetry.metrics partition, as last seen here. */
  partitionOf(entity: string): number | undefined {
    return this.partitions.get(entity);
  }

  /** How many watched series the entity has here. */
  seriesOf(entity: string): number {
    return this.entitySeries.get(entity)?.size ?? 0;
  }

  /** Entities with state here whose telemetry.metrics partition is one of these. */
  entitiesOf(partitions: ReadonlySet<number>): string[] {
    return [...this.entitySeries.keys()].filter((e) => partitions.has(this.partitions.get(e) ?? -1));
  }

  /** Runs `fn` between batches (after the one in hand), so it never sees a batch half done. */
  exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.queue.run(fn);
  }

  /**
   * Entities due for a checkpoint: at once when one of their series trained since the last one
   * (a model is the costliest thing to lose) or one of their predictions was issued or withdrawn
   * (a new owner must not issue it again, or leave it open); else once their series have gained
   * `checkpointRows` steps each. A new entity starts part-way into its first period (by a hash of
   * its name), so a fleet that started together does not write all at once.
   */
  dueForCheckpoint(): Array<{ entity: string; reason: Exclude<CheckpointReason, 'stop'> }> {
    const due: Array<{ entity: string; reason: Exclude<CheckpointReason, 'stop'> }> = [];
    for (const [entity, reason] of this.changedSince) due.push({ entity, reason });
    for (const [entity, rows] of this.sinceCheckpoint) {
      if (!this.changedSince.has(entity) && rows >= this.checkpointPeriod(entity)) due.push({ entity, reason: 'rows' });
    }
    return due;
  }

  /** Steps between an entity's periodic checkpoints: `checkpointRows` for each of its series. */
  private checkpointPeriod(entity: string): number {
    return this.options.checkpointRows * Math.max(1, this.entitySeries.get(entity)?.size ?? 1);
  }

  /**
   * The entity's checkpoint (see checkpoint.ts), or undefined when none of its series has
   * forecasting state yet (a series is held until its second step fixes its alignment).
   */
  checkpoint(entity: string): Uint8Array | undefined {
    const keys = this.entitySeries.get(entity);
    if (!keys) return undefined;
    // Keep the entity's phase (see the detector): a catch-up batch makes a fleet due at once.
    const since = this.sinceCheckpoint.get(entity) ?? 0;
    this.sinceCheckpoint.set(entity, Number.isFinite(since) ? since % this.checkpointPeriod(entity) : 0);
    this.changedSince.delete(entity);
    const series: SeriesCheckpoint[] = [];
    for (const key of keys) {
      const forecast = this.forecaster.snapshot(key);
      const stepMs = this.aligner.stepOf(key);
      if (!forecast || stepMs === undefined || !this.aligner.isFrozen(key)) continue;
      const open = this.tracker.openOf(key + SEP).map(({ key: k, ...o }) => ({ limit: k.slice(key.length + SEP.length), ...o }));
      series.push({ key, stepMs, alignment: this.aligner.openSteps(key)!, forecast, open });
    }
    if (series.length === 0) return undefined;
    const bytes = encodeCheckpoint({ entity, counters: this.counters.export(entity), series });
    this.noteStateSize(entity, bytes.length);
    return bytes;
  }

  /**
   * Take over an entity from its checkpoint (`partition`: where its records come from),
   * replacing whatever was held for it: its series forecast on with their models, histories and
   * selection errors, and its open predictions are updated and withdrawn under their ids.
   * Returns the entity and how many of its series came back with a model.
   */
  restore(bytes: Uint8Array, partition: number): { entity: string; series: number; models: number } {
    const c = decodeCheckpoint(bytes);
    this.drop(c.entity);
    const keys = new Set<string>();
    let models = 0;
    for (const s of c.series) {
      const id = parseSeriesKey(s.key);
      this.aligner.restore(s.key, [s.key], s.stepMs, s.alignment);
      if (this.forecaster.restore(s.key, s.forecast)) models++;
      // Limits that are gone from the rules have nothing to update or withdraw them.
      const limits = new Set(limitsFor(this.rules, id.metric, id.labels).map((r) => r.name));
      this.tracker.reopen(s.open.filter((o) => limits.has(o.limit)).map(({ limit, ...o }) => ({ key: predictionKey(s.key, limit), ...o })));
      this.info.set(s.key, { entity: c.entity, metric: id.metric, labels: id.labels, ref: undefined });
      keys.add(s.key);
      this.eventTime = Math.max(this.eventTime, s.forecast.lastTime);
    }
    this.counters.import(c.entity, c.counters);
    this.entitySeries.set(c.entity, keys);
    this.partitions.set(c.entity, partition);
    this.sinceCheckpoint.set(c.entity, hashString(c.entity) % this.checkpointPeriod(c.entity));
    this.noteStateSize(c.entity, bytes.length);
    m.checkpointsRestored.inc();
    this.recordStats();
    return { entity: c.entity, series: keys.size, models };
  }

  /** Forget an entity (its partition moved to another process): its series, predictions and counters, sending nothing. */
  drop(entity: string): void {
    for (const key of this.entitySeries.get(entity) ?? []) this.forgetSeries(key);
    this.forgetEntity(entity);
    this.recordStats();
  }

  /** Entities forgotten for good since the last call, with their partition. */
  takeRetired(): Array<{ entity: string; partition: number }> {
    const out = this.retired;
    this.retired = [];
    return out;
  }

  private forgetSeries(key: string): void {
    this.forecaster.forget(key);
    this.aligner.forget(key);
    this.tracker.forget(key + SEP);
    this.info.delete(key);
  }

  private noteStateSize(entity: string, bytes: number): void {
    this.stateBytes += bytes - (this.stateSizes.get(entity) ?? 0);
    if (bytes > 0) this.stateSizes.set(entity, bytes);
    else this.stateSizes.delete(entity);
    m.stateBytes.set(this.stateBytes);
  }

  /** The StageHandler: prediction records to append before the batch is committed. */
  readonly handle = async (records: InRecord<unknown>[], ctx?: Pick<HandlerContext, 'isRunning'>): Promise<Emit[]> => {
    // A stop abandons a training in progress: the batch finishes (and commits) without it.
    const events = await this.process(records, ctx ? () => !ctx.isRunning() : undefined);
    return events.map(({ event, source }) => ({ topic: this.options.topics.predictions, key: event.entity, value: event, id: source ? derivedId(source, predictionSeed(event)) : `${event.id}:${event.status}:${event.timestamp}`, source }));
  };

  /** Batches one at a time: the forecaster's state and training are shared. */
  process(records: InRecord<unknown>[], cancelled?: () => boolean): Promise<Array<{ event: PredictionEvent; source: InRecord<unknown> | undefined }>> {
    return this.queue.run(() => this.processNow(records, cancelled));
  }

  private async processNow(records: InRecord<unknown>[], cancelled?: () => boolean): Promise<Array<{ event: PredictionEvent; source: InRecord<unknown> | undefined }>> {
    for (const record of records) {
      // One sample or one entity's batch of them (streams/schemas/telemetry.metrics.schema.json).
      for (const v of samplesOf(record.value as MetricRecordValue)) {
        const labels = v.labels ?? {};
        if (limitsFor(this.rules, v.metric, labels).length === 0) continue;
        const key = seriesKey(v);
        const r = this.counters.valueOf(v, key);
        if (!r.ok) {
          m.samplesDropped.labels(r.reason).inc();
          continue;
        }
        if (!this.info.has(key)) {
          this.info.set(key, { entity: v.entity, metric: v.metric, labels, ref: undefined });
          let keys = this.entitySeries.get(v.entity);
          if (!keys) this.entitySeries.set(v.entity, (keys = new Set()));
          keys.add(key);
        }
        this.partitions.set(v.entity, record.partition);
        // Each series is aligned alone (its key as the aligner's entity): its own step and watermark.
        this.aligner.add({ entity: key, series: key, timestamp: v.timestamp, value: r.rate }, record);
      }
    }
    this.countDrops();
    const steps = this.aligner.drain();
    // Each forecast's parent (and the seed of its record's id) is the input of its own step.
    const refs = new Map<string, InRecord<unknown>>();
    for (const step of steps) {
      const key = step.entity;
      this.forecaster.observe(key, step.time, step.values[0]!, step.stepMs);
      const info = this.info.get(key);
      if (info && step.ref) info.ref = step.ref;
      if (info) this.sinceCheckpoint.set(info.entity, (this.sinceCheckpoint.get(info.entity) ?? hashString(info.entity) % this.options.checkpointRows) + 1);
      if (step.ref) refs.set(key + SEP + step.time, step.ref);
      this.eventTime = Math.max(this.eventTime, step.time);
    }
    const forecasts = await this.forecaster.update(cancelled);
    const trained = this.forecaster.takeTrained();
    for (const [key] of trained) {
      const entity = this.info.get(key)?.entity;
      if (entity !== undefined) this.changedSince.set(entity, 'trained');
    }
    this.saveTrained(trained);
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
        if (t.status !== 'updated' && !this.changedSince.has(info.entity)) this.changedSince.set(info.entity, 'prediction');
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
      this.aligner.forget(key);
      if (!info) continue;
      this.retireSeries(info.entity, key);
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

  /**
   * A series forgotten for being idle: its entity's checkpoint is rewritten without it (due at
   * once), or deleted (a tombstone) when it was the entity's last series.
   */
  private retireSeries(entity: string, key: string): void {
    const keys = this.entitySeries.get(entity);
    keys?.delete(key);
    if (keys && keys.size > 0) {
      this.sinceCheckpoint.set(entity, Infinity);
      return;
    }
    const partition = this.partitions.get(entity);
    if (partition !== undefined) this.retired.push({ entity, partition });
    this.forgetEntity(entity);
  }

  /** What the service keeps of an entity beyond its series: counters, partition, checkpoint schedule, size. */
  private forgetEntity(entity: string): void {
    this.counters.forget(entity);
    this.entitySeries.delete(entity);
    this.partitions.delete(entity);
    this.sinceCheckpoint.delete(entity);
    this.changedSince.delete(entity);
    this.noteStateSize(entity, 0);
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

/**
 * What a prediction's record id is derived from, with its source record: a batched source (one
 * entity's samples) may be the input of several series' and steps' events, so the prediction's
 * own id and time go in; a redelivered source still gives the same id.
 */
function predictionSeed(event: PredictionEvent): string {
  return `prediction:${event.limit.name}:${event.status}:${event.id}:${event.timestamp}`;
}
