import { derivedId } from '../platform/bus/message-id.js';
import { hashString } from '../platform/random.js';
import { SerialQueue } from '../platform/serial-queue.js';
import type { Emit, InRecord } from '../platform/stage/types.js';
import { detectorMetrics as m } from './detector.metrics.js';
import type { DetectorServiceOptions } from './options.js';
import { Detector, SCORER, SCORER_VERSION, type DetectorOverrides, type ScoreResult } from '../lib/anomaly/index.js';
import { CounterRates } from '../platform/series/counter-rates.js';
import { parseSeriesKey, seriesKey, seriesName } from '../platform/series/series-identity.js';
import { StepAligner, type ClosedStep, type DropReason, type Sample } from '../platform/series/step-aligner.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { ScoreDrift } from './score-drift.js';
import type { SeriesSelection } from './selection/series-selection.js';
import { samplesOf, type MetricRecordValue } from '../platform/series/metric-sample.js';
import type { AnomalyEvent, FeedbackValue } from './types.js';

/** aiops.anomalies: at most this many contributions, names of at most this many characters (its schema's limits). */
const MAX_CONTRIBUTIONS = 256;
const MAX_NAME_LENGTH = 1024;
const ALIGNER_DROPS: readonly DropReason[] = ['late', 'new_series', 'series_cap', 'invalid'];

/** One scored step, as the service saw it (for tests and tools; the stream only gets anomalies). */
export interface ScoredStep {
  readonly step: ClosedStep<InRecord<unknown>>;
  readonly result: ScoreResult;
  readonly event?: AnomalyEvent;
}

/**
 * The detector service's logic, no I/O: telemetry.metrics samples → series selection
 * (`rules/detector`) → counters to rates → StepAligner (one slot per series: tenant + entity +
 * metric + labels) → one vector per entity per closed step → `Detector.scoreDue()` once per
 * batch → aiops.anomalies events, which name each series readably (`metric{label="value"}`);
 * aiops.feedback → `Detector.feedback` (every process applies every record: `readFeedback`).
 *
 * An event is written when a row's `score >= threshold`. The score is damped for 300 rows after
 * an incident opens, so this fires once per incident; `isAnomaly` is not de-duplicated and would
 * repeat on every unusual row of one incident.
 *
 * Batches are handled one at a time (the platform may call `handle` for several partitions at
 * once; the aligner's and the detector's state are shared). Each entity's state can be written
 * as a checkpoint and taken over by another process (`checkpoint`, `restore`): the consumer
 * keeps them on the changelog topic.
 */
export class DetectorService {
  readonly detector: Detector;
  readonly aligner: StepAligner<InRecord<unknown>>;
  readonly selection: SeriesSelection;
  readonly counters = new CounterRates();
  readonly drift = new ScoreDrift();
  /** Entities counted in the gauges (scored here at least once since they appeared or were restored). */
  private readonly known = new Set<string>();
  /** Each entity's telemetry.metrics partition (its records are keyed by entity): its changelog partition too. */
  private readonly partitions = new Map<string, number>();
  /** Rows scored per entity since its last checkpoint. */
  private readonly sinceCheckpoint = new Map<string, number>();
  /** Each entity's scoring state size at its last checkpoint, and their sum (the state-bytes gauge). */
  private readonly stateSizes = new Map<string, number>();
  private stateBytes = 0;
  /** Entities forgotten for good (idle), with their partition: their checkpoints are to be deleted. */
  private retired: Array<{ entity: string; partition: number }> = [];
  private readonly queue = new SerialQueue();
  /** Feedback ids applied (by either reader) and counted (by the shared group's reader). */
  private readonly feedbackApplied = new Set<string>();
  private readonly feedbackCounted = new Set<string>();
  /** This process's feedback reader: next offset per aiops.feedback partition handled. */
  private readonly feedbackRead = new Map<number, bigint>();
  private log: (line: string) => void = () => {};
  private lastDropped: Record<DropReason, number>;
  /** Per entity, how many of its slots the series gauge counts. */
  private readonly slotsCounted = new Map<string, number>();
  private capLogged = false;
  /** Latest step time scored, and when idle entities were last swept (both event time). */
  private eventTime = -Infinity;
  private lastSweep = -Infinity;

  constructor(
    readonly options: DetectorServiceOptions,
    overrides: DetectorOverrides = {},
  ) {
    this.detector = new Detector(overrides);
    this.selection = options.selection;
    this.aligner = new StepAligner({ ...options.aligner, maxSeries: options.selection.maxSeriesPerEntity });
    this.lastDropped = { ...this.aligner.dropped };
  }

  /** Where the service reports what an operator should know (model store problems, the series cap). */
  logTo(log: (line: string) => void): void {
    this.log = log;
  }

  /** The entity's telemetry.metrics partition, as last seen here. */
  partitionOf(entity: string): number | undefined {
    return this.partitions.get(entity);
  }

  /** Entities with state here whose telemetry.metrics partition is one of these. */
  entitiesOf(partitions: ReadonlySet<number>): string[] {
    return this.detector.entityIds().filter((e) => partitions.has(this.partitions.get(e) ?? -1));
  }

  /**
   * The entity's checkpoint (see checkpoint.ts), or undefined when it has no scored state yet
   * (its series order is not fixed, or rows are still queued).
   */
  checkpoint(entity: string): Uint8Array | undefined {
    const state = this.detector.snapshot(entity);
    if (!state || !this.aligner.isFrozen(entity)) return undefined;
    // Keep the entity's phase: after a catch-up batch of many steps every entity falls due at
    // once, and resetting to 0 would keep them writing together from then on.
    this.sinceCheckpoint.set(entity, (this.sinceCheckpoint.get(entity) ?? 0) % this.options.checkpointRows);
    this.noteStateSize(entity, state.length);
    const alignment = this.aligner.openSteps(entity)!;
    return encodeCheckpoint({ entity, series: this.aligner.seriesOf(entity), stepMs: this.aligner.stepOf(entity), alignment, counters: this.counters.export(entity), state });
  }

  /**
   * Entities due for a checkpoint: `checkpointRows` scored since their last one. A new entity
   * starts part-way into its first period (by a hash of its name), so a fleet that started
   * together does not write all at once.
   */
  dueForCheckpoint(): string[] {
    const due: string[] = [];
    for (const [entity, rows] of this.sinceCheckpoint) if (rows >= this.options.checkpointRows) due.push(entity);
    return due;
  }

  /** Entities forgotten for good since the last call, with their partition. */
  takeRetired(): Array<{ entity: string; partition: number }> {
    const out = this.retired;
    this.retired = [];
    return out;
  }

  /** Runs `fn` between batches (after the one in hand), so it never sees a batch half done. */
  exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.queue.run(fn);
  }

  /** Take over an entity from its checkpoint (`partition`: where its records come from). */
  restore(bytes: Uint8Array, partition: number): string {
    const c = decodeCheckpoint(bytes);
    this.detector.restore(c.entity, c.state);
    this.aligner.restore(c.entity, c.series, c.stepMs, c.alignment);
    this.counters.import(c.entity, c.counters);
    this.partitions.set(c.entity, partition);
    // A partition's entities are restored together: each resumes at its own phase.
    this.sinceCheckpoint.set(c.entity, hashString(c.entity) % this.options.checkpointRows);
    this.forgetMetrics(c.entity);
    this.noteStateSize(c.entity, c.state.length);
    m.checkpointsRestored.inc();
    return c.entity;
  }

  /** Forget an entity (its partition moved to another process): state, series and gauges. */
  drop(entity: string): void {
    this.forgetMetrics(entity);
    this.detector.drop(entity);
    this.aligner.forget(entity);
    this.counters.forget(entity);
    this.partitions.delete(entity);
    this.sinceCheckpoint.delete(entity);
    this.noteStateSize(entity, 0);
  }

  private noteStateSize(entity: string, bytes: number): void {
    this.stateBytes += bytes - (this.stateSizes.get(entity) ?? 0);
    if (bytes > 0) this.stateSizes.set(entity, bytes);
    else this.stateSizes.delete(entity);
    m.stateBytes.set(this.stateBytes);
  }

  /** The StageHandler: anomalies to append before the batch is committed. */
  readonly handle = async (records: InRecord<unknown>[]): Promise<Emit[]> => {
    const scored = await this.process(records);
    return scored.flatMap((s) =>
      s.event ? [{ topic: this.options.topics.anomalies, key: s.event.entity, value: s.event, id: s.event.id, source: s.step.ref }] : [],
    );
  };

  /** Like `handle`, but returns every scored step (with its event, when there is one). */
  process(records: InRecord<unknown>[]): Promise<ScoredStep[]> {
    return this.queue.run(() => this.processNow(records));
  }

  /**
   * This process's own aiops.feedback reader (a consumer group per process, so it sees every
   * partition; see `startFeedbackReader`) hands over each batch here: every record is applied,
   * whichever process scores its entity, and kept for entities not seen yet. Nothing is counted.
   * `nextOffset` is the partition's next offset after the batch (invalid records included).
   */
  readFeedback(values: readonly FeedbackValue[], partition: number, nextOffset: bigint): Promise<void> {
    return this.queue.run(() => {
      for (const v of values) this.applyFeedback(v);
      if (nextOffset > (this.feedbackRead.get(partition) ?? 0n)) this.feedbackRead.set(partition, nextOffset);
    });
  }

  /** True once the feedback reader has read every partition up to these end offsets. */
  feedbackCaughtUp(ends: ReadonlyArray<{ partition: number; offset: string }>): boolean {
    return ends.every((e) => (this.feedbackRead.get(e.partition) ?? 0n) >= BigInt(e.offset));
  }

  private async processNow(records: InRecord<unknown>[]): Promise<ScoredStep[]> {
    let notSelected = 0;
    for (const record of records) {
      if (record.topic === this.options.topics.feedback) {
        // The shared group hands each record to one process: counted there, once for the fleet.
        // Applying it here too (once per id) means the count never runs ahead of the threshold.
        const v = record.value as FeedbackValue;
        this.applyFeedback(v);
        if (!this.feedbackCounted.has(v.id)) {
          this.feedbackCounted.add(v.id);
          m.feedback.labels(v.kind).inc();
        }
      } else {
        // One sample or one entity's batch of them (streams/schemas/telemetry.metrics.schema.json).
        for (const v of samplesOf(record.value as MetricRecordValue)) {
          this.partitions.set(v.entity, record.partition);
          // The user's choice of series (rules/detector): the rest never reach a slot.
          if (!this.selection.selects(v.metric, v.labels)) {
            notSelected++;
            continue;
          }
          const key = seriesKey(v);
          const r = this.counters.valueOf(v, key);
          if (!r.ok) {
            m.samplesDropped.labels(r.reason).inc();
            continue;
          }
          if (r.reset) m.counterResets.inc();
          this.aligner.add({ entity: v.entity, series: key, timestamp: v.timestamp, value: r.rate }, record);
        }
      }
    }
    if (notSelected > 0) m.samplesDropped.labels('not_selected').inc(notSelected);
    if (this.aligner.dropped.series_cap > this.lastDropped.series_cap) this.logCap(this.aligner.lastCapped!);
    this.countDrops();
    const steps = this.aligner.drain();
    if (steps.length === 0) return [];
    const byEntity = new Map<string, Array<ClosedStep<InRecord<unknown>>>>();
    for (const step of steps) {
      if (!byEntity.has(step.entity)) this.countSlots(step.entity);
      this.detector.observe(step.entity, { time: step.time, values: step.values });
      let list = byEntity.get(step.entity);
      if (!list) byEntity.set(step.entity, (list = []));
      list.push(step);
    }
    const scored = this.detector.scoreDue([...byEntity.keys()]);
    this.recordScores(scored);
    const out: ScoredStep[] = [];
    for (const { entity, results } of scored) {
      const entitySteps = byEntity.get(entity)!;
      results.forEach((result, i) => {
        const step = entitySteps[i]!;
        m.samplesScored.inc(step.samples);
        const event = result.score >= result.threshold ? this.event(step, result) : undefined;
        if (event) {
          m.anomalies.labels(entity).inc();
          // By metric name, not series: the label's values stay as few as the metric names.
          result.contributions.forEach((share, i) => {
            if (share > 0) m.contributions.labels(parseSeriesKey(step.series[i]!).metric).inc(clamp01(share));
          });
        }
        out.push({ step, result, event });
      });
      m.stepsScored.inc(results.length);
      this.sinceCheckpoint.set(entity, (this.sinceCheckpoint.get(entity) ?? hashString(entity) % this.options.checkpointRows) + results.length);
    }
    this.sweepIdle(steps);
    const stats = this.detector.stats();
    m.entities.set(stats.entities);
    return out;
  }

  /** Per-entity gauges: latest score and threshold, score drift. */
  private recordScores(scored: ReadonlyArray<{ entity: string; results: readonly ScoreResult[] }>): void {
    for (const { entity, results } of scored) {
      if (!this.known.has(entity)) {
        // A new entity's anomaly count starts at 0: its series exists before its first event.
        this.known.add(entity);
        m.anomalies.labels(entity).inc(0);
        m.entitiesByModel.labels(SCORER_VERSION).inc();
      }
      for (const r of results) this.drift.observe(entity, r.pValue);
      const last = results.at(-1);
      if (last) {
        m.score.labels(entity).set(last.score);
        m.threshold.labels(entity).set(last.threshold);
      }
      const psi = this.drift.psi(entity);
      if (psi !== undefined) m.scorePsi.labels(entity).set(psi);
    }
  }

  /** The series gauge counts the entity's slots added since the last count (slots only grow until its second step). */
  private countSlots(entity: string): void {
    const keys = this.aligner.seriesOf(entity);
    const counted = this.slotsCounted.get(entity) ?? 0;
    if (keys.length === counted) return;
    for (let i = counted; i < keys.length; i++) m.series.labels(metricOf(keys[i]!)).inc();
    this.slotsCounted.set(entity, keys.length);
  }

  /** Once per process: an operator sees that the cap cut an entity's vector, and what to change. */
  private logCap(capped: Sample): void {
    if (this.capLogged) return;
    this.capLogged = true;
    this.log(
      `${capped.entity}: more selected series than max_series_per_entity (${this.selection.maxSeriesPerEntity}); ${nameOf(capped.series)} and any further series of an entity at its cap are dropped (vigil_detector_samples_dropped_total{reason="series_cap"}): narrow the selectors in rules/detector or raise the cap (logged once)`,
    );
  }

  /** Drop an entity's series and model bookkeeping (it was forgotten). */
  private forgetMetrics(entity: string): void {
    const keys = this.aligner.seriesOf(entity);
    for (let i = 0; i < (this.slotsCounted.get(entity) ?? 0); i++) m.series.labels(metricOf(keys[i]!)).dec();
    this.slotsCounted.delete(entity);
    for (const g of [m.score, m.threshold, m.scorePsi, m.anomalies]) g.remove(entity);
    if (this.known.delete(entity)) m.entitiesByModel.labels(SCORER_VERSION).dec();
    this.drift.forget(entity);
  }

  private event(step: ClosedStep<InRecord<unknown>>, r: ScoreResult): AnomalyEvent {
    const contributions = r.contributions
      .map((share, i) => ({ i, share: clamp01(share) }))
      .filter((c) => c.share > 0)
      .sort((a, b) => b.share - a.share)
      .slice(0, MAX_CONTRIBUTIONS)
      .map(({ i, share }) => ({ metric: nameOf(step.series[i]!), share }));
    const labels: Record<string, string> = { step_ms: String(step.stepMs) };
    const cause = r.cause ? step.series[r.cause.metric] : undefined;
    if (r.cause && cause) {
      // The bare name, as remediation rules match it; the series (which CPU, which mode) beside it.
      labels.top_metric = metricOf(cause);
      labels.top_series = nameOf(cause);
      labels.signal = r.cause.signal;
    }
    labels.p_value = r.pValue.toExponential(3);
    return {
      // The step's time too: a batched record may be the last input of several of an entity's steps.
      id: step.ref ? derivedId(step.ref, `anomaly@${step.time}`) : `${step.entity}-${step.time}`,
      entity: step.entity,
      timestamp: step.time,
      source: 'metrics',
      score: clamp01(r.score),
      threshold: clamp01(r.threshold),
      scorer: SCORER,
      model_version: SCORER_VERSION,
      window: { start: step.time, end: step.time + step.stepMs },
      contributions,
      labels,
      kind: 'metric_anomaly',
    };
  }

  /**
   * Memory bound: entities with no scored step for `idleMs` of event time (not wall time, so a
   * replay of old data is not forgotten as it goes) are dropped, at most once per idleMs / 7.
   */
  private sweepIdle(steps: ReadonlyArray<ClosedStep<InRecord<unknown>>>): void {
    for (const s of steps) this.eventTime = Math.max(this.eventTime, s.time);
    const idleMs = this.options.idleMs;
    if (!(idleMs > 0) || this.eventTime - this.lastSweep < idleMs / 7) return;
    if (this.lastSweep === -Infinity) {
      this.lastSweep = this.eventTime;
      return;
    }
    this.lastSweep = this.eventTime;
    for (const entity of this.detector.dropIdle(this.eventTime, idleMs)) {
      const partition = this.partitions.get(entity);
      if (partition !== undefined) this.retired.push({ entity, partition });
      this.drop(entity);
      m.entitiesDropped.inc();
    }
  }

  /**
   * Applies a feedback record once (by its id: both readers see it, and a batch may be read
   * again): `false_positive` and `missed` move the entity's alarm level, in the Detector's
   * per-entity adjustments, so an entity that appears (or returns) later starts with it.
   */
  private applyFeedback(v: FeedbackValue): void {
    if (this.feedbackApplied.has(v.id)) return;
    this.feedbackApplied.add(v.id);
    if (v.kind === 'true_positive') return;
    this.detector.feedback(v.entity, v.kind === 'false_positive' ? 'false_positive' : 'missed_anomaly');
    m.feedbackEntities.set(this.detector.adjustedEntities());
    // Show the moved threshold now, not at the entity's next scored step.
    const threshold = this.detector.threshold(v.entity);
    if (threshold !== undefined) m.threshold.labels(v.entity).set(threshold);
  }

  private countDrops(): void {
    for (const reason of ALIGNER_DROPS) {
      const delta = this.aligner.dropped[reason] - this.lastDropped[reason];
      if (delta > 0) m.samplesDropped.labels(reason).inc(delta);
    }
    this.lastDropped = { ...this.aligner.dropped };
  }
}

/** `node_cpu_seconds_total{cpu="0",mode="idle"}`, as events and logs name a series. */
function nameOf(key: string): string {
  const s = parseSeriesKey(key);
  return seriesName(s.metric, s.labels, MAX_NAME_LENGTH);
}

function metricOf(key: string): string {
  return parseSeriesKey(key).metric;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
