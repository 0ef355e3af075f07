import type { AutoencoderWeights, WindowBatch } from './autoencoder.js';
import { MetricSignals } from './metric-signals.js';
import type { DetectorOptions } from './options.js';
import { samplingInterval, SeasonalClock } from './seasonality.js';
import { MIN_P } from './tail-model.js';
import type { Observation, ScoreResult } from './types.js';

/** Rows used to learn the sampling interval before the seasonal references are set up. */
const INTERVAL_ROWS = 6;

/** Evidence (-log10 p) that maps to a score of 0.5; the score is s / (s + EVIDENCE_HALF). */
const EVIDENCE_HALF = 4;

/**
 * Operator feedback on an entity's alarm risk scale (1 without feedback): a false positive makes
 * its alarms ten times rarer, a missed anomaly ten times more frequent, within a factor of 10^4
 * either way (and never so loose that half of all rows would start a suppression period).
 */
export function adjustRiskScale(scale: number, kind: 'false_positive' | 'missed_anomaly', options: DetectorOptions): number {
  const next = kind === 'false_positive' ? scale / 10 : scale * 10;
  return Math.max(1e-4, Math.min(next, 1e4, 0.5 / options.suppressRisk));
}

export function evidenceToScore(evidence: number): number {
  return evidence <= 0 ? 0 : evidence / (evidence + EVIDENCE_HALF);
}

/**
 * Everything the detector knows about one entity. Rows are scored strictly in order and each
 * row only sees rows before it; the autoencoder (when trained) is the one fixed at the start
 * of the batch being scored, so scoring a batch of rows at once equals scoring them one by one.
 */
export class EntityState {
  readonly pending: Observation[] = [];
  /** Timestamp of the latest row scored, for dropping entities that went quiet. */
  lastTime = -Infinity;
  private readonly startup: Observation[] = [];
  private trackers: MetricSignals[] | undefined;
  private clock: SeasonalClock | undefined;
  /** Operator feedback scales this entity's alarm risk: below 1 after false positives. */
  private riskScale = 1;
  private rows = 0;
  private suppressUntil = -1;
  /** Whether the current suppression period was started by an alarm (else by a near miss). */
  private suppressedByAlarm = false;

  // Recent rows (raw values and whether they were flagged) for the autoencoder.
  private readonly recent: Float64Array;
  private readonly recentFlagged: Uint8Array;
  private recentCount = 0;
  private rowsSinceTraining = 0;
  /** The entity's autoencoder ensemble; empty until cold start is over. */
  models: AutoencoderWeights[] = [];
  private center: Float64Array;
  private scale: Float64Array;
  trainings = 0;

  constructor(
    readonly id: string,
    readonly metrics: number,
    private readonly options: DetectorOptions,
  ) {
    const keep = Math.max(options.autoencoder.trainRows, options.autoencoder.windowRows);
    this.recent = new Float64Array(keep * metrics);
    this.recentFlagged = new Uint8Array(keep);
    this.center = new Float64Array(metrics);
    this.scale = new Float64Array(metrics).fill(1);
  }

  get inputSize(): number {
    return this.options.autoencoder.windowRows * this.metrics;
  }

  /** The alarm level on the score scale: the score of a row whose tail probability is the alarm risk. */
  threshold(): number {
    return evidenceToScore(-Math.log10(this.options.alarmRisk * this.riskScale));
  }

  /** The entity's feedback adjustment (`adjustRiskScale`), kept by the Detector across state rebuilds. */
  setRiskScale(scale: number): void {
    this.riskScale = scale;
  }

  /** Autoencoder inputs for every pending row that has a full window behind it. */
  pendingWindows(): { batch: WindowBatch; rows: number[] } {
    const w = this.options.autoencoder.windowRows;
    const m = this.metrics;
    const d = w * m;
    const windows = new Float32Array(this.pending.length * d);
    const rows: number[] = [];
    this.pending.forEach((_, p) => {
      if (this.recentCount + p < w - 1) return;
      const offset = rows.length * d;
      for (let k = 0; k < w; k++) {
        const values = this.valuesBack(p, w - 1 - k);
        for (let j = 0; j < m; j++) windows[offset + k * m + j] = this.normalise(values[j]!, j);
      }
      rows.push(p);
    });
    return { batch: { windows, count: rows.length }, rows };
  }

  /**
   * Score every pending row in order. `errors` holds, for pending rows with a window, the
   * autoencoder's squared error per input cell (window × metrics).
   */
  scorePending(errors: Map<number, Float32Array> | undefined): ScoreResult[] {
    const results = this.pending.map((obs, p) => this.scoreRow(obs, errors?.get(p)));
    this.lastTime = this.pending.reduce((t, o) => Math.max(t, o.time), this.lastTime);
    this.pending.length = 0;
    return results;
  }

  /**
   * How many pending rows to score before the next training falls due: all of them when none
   * will (or when one is overdue and could not happen), else the rows that bring it due.
   */
  rowsBeforeTraining(): number {
    const left = this.rowsUntilTraining();
    return left > 0 ? Math.min(this.pending.length, left) : this.pending.length;
  }

  /** True when the model is missing and cold start has enough rows, or a retrain is due. */
  needsTraining(): boolean {
    return this.rowsUntilTraining() <= 0;
  }

  /** Rows still to come before cold start ends or a retrain is due (Infinity with the autoencoder off). */
  private rowsUntilTraining(): number {
    const ae = this.options.autoencoder;
    if (!ae.enabled) return Infinity;
    return this.models.length === 0 ? ae.coldStartRows - this.recentCount : ae.retrainEveryRows - this.rowsSinceTraining;
  }

  /**
   * Training windows from recent rows none of which were flagged, after fixing the
   * normalisation. When most recent rows were flagged the entity has moved to a new normal
   * (a deploy, a resize): then every window is used, or it would stay in alarm for good.
   */
  trainingWindows(): WindowBatch {
    const clean = this.collectWindows(false);
    const possible = Math.max(0, Math.floor((Math.min(this.recentCount, this.recentFlagged.length) - this.options.autoencoder.windowRows) / this.options.autoencoder.trainStride) + 1);
    return clean.count >= possible / 2 ? clean : this.collectWindows(true);
  }

  private collectWindows(includeFlagged: boolean): WindowBatch {
    const w = this.options.autoencoder.windowRows;
    const m = this.metrics;
    const n = Math.min(this.recentCount, this.recentFlagged.length);
    this.fitNormalisation(n);
    const windows = new Float32Array(Math.max(0, n - w + 1) * w * m);
    let count = 0;
    for (let end = n - 1; end >= w - 1; end -= this.options.autoencoder.trainStride) {
      let clean = true;
      for (let k = 0; k < w && clean && !includeFlagged; k++) clean = this.flaggedBack(n - 1 - end + k) === 0;
      if (!clean) continue;
      for (let k = 0; k < w; k++) {
        const values = this.recentBack(n - 1 - end + (w - 1 - k));
        for (let j = 0; j < m; j++) windows[count * w * m + k * m + j] = this.normalise(values[j]!, j);
      }
      count++;
    }
    return { windows, count };
  }

  /** Seed the reconstruction-error history with the new model's errors on recent windows (count × inputSize). */
  rebaseReconstruction(errors: Float32Array, count: number): void {
    const d = this.inputSize;
    this.trackers?.forEach((t, j) => {
      const perWindow: number[] = [];
      for (let k = count - 1; k >= 0; k--) perWindow.push(metricError(errors.subarray(k * d, (k + 1) * d), j, this.metrics));
      t.rebaseReconstruction(perWindow);
    });
  }

  /** The normalisation the current models were trained with (for the model store). */
  normalisation(): { center: Float64Array; scale: Float64Array } {
    return { center: Float64Array.from(this.center), scale: Float64Array.from(this.scale) };
  }

  /**
   * Take over models trained before a restart. Cold start is skipped; the baseline signals and
   * the reconstruction-error tail models still learn from the rows that follow.
   */
  restoreModels(models: AutoencoderWeights[], center: Float64Array, scale: Float64Array, version: number): void {
    if (center.length !== this.metrics || scale.length !== this.metrics) throw new Error(`entity ${this.id}: stored normalisation has ${center.length} metrics, not ${this.metrics}`);
    if (models.some((m) => m.inputSize !== this.inputSize)) throw new Error(`entity ${this.id}: stored model input size differs from ${this.inputSize}`);
    this.center = Float64Array.from(center);
    this.scale = Float64Array.from(scale);
    this.models = models;
    this.rowsSinceTraining = 0;
    this.trainings = version;
  }

  adoptModels(models: AutoencoderWeights[]): void {
    this.models = models;
    this.rowsSinceTraining = 0;
    this.trainings++;
  }

  private scoreRow(obs: Observation, errors: Float32Array | undefined): ScoreResult {
    const m = this.metrics;
    const threshold = this.threshold();
    if (!this.trackers) {
      this.startup.push(obs);
      if (this.startup.length >= INTERVAL_ROWS) {
        const clock = new SeasonalClock(samplingInterval(this.startup.map((o) => o.time)));
        const trackers = Array.from({ length: m }, () => new MetricSignals(this.options, clock.capacity));
        for (const early of this.startup) {
          const refs = clock.references(early.time);
          trackers.forEach((t, j) => t.update(early.values[j]!, refs, undefined));
          clock.remember(early.time);
        }
        this.clock = clock;
        this.trackers = trackers;
        this.startup.length = 0;
      }
      this.rememberRow(obs.values, false);
      return { time: obs.time, score: 0, threshold, isAnomaly: false, scorer: 'baseline', contributions: new Array<number>(m).fill(0), pValue: 1 };
    }

    const refs = this.clock!.references(obs.time);
    const verdicts = this.trackers.map((t, j) => t.update(obs.values[j]!, refs, errors ? metricError(errors, j, m) : undefined));
    this.clock!.remember(obs.time);
    const perMetric = verdicts.map((v) => v.p);
    const best = Math.min(...perMetric);
    const top = perMetric.indexOf(best);
    const signal = verdicts[top]?.strongest;
    // Bonferroni over metrics: with many metrics, one of them is unusual more often.
    const p = Math.max(MIN_P, Math.min(1, best * m));

    const warm = this.rows >= this.options.warmupRows;
    const isAnomaly = warm && p < this.options.alarmRisk * this.riskScale;
    let score = warm ? evidenceToScore(-Math.log10(p)) : 0;
    // A period started by a near miss (p below suppressRisk, not an alarm) damps what follows but
    // does not hide an alarm: otherwise a chance blip would blind the entity for suppressRows.
    const overrides = isAnomaly && !this.suppressedByAlarm;
    if (this.rows <= this.suppressUntil && !overrides) score *= this.options.suppressFactor;
    else if (warm && p < this.options.suppressRisk * this.riskScale) {
      this.suppressUntil = this.rows + this.options.suppressRows;
      this.suppressedByAlarm = isAnomaly;
    }

    const weights = perMetric.map((q) => Math.max(0, -Math.log10(Math.max(MIN_P, q))));
    const total = weights.reduce((s, v) => s + v, 0);
    this.rememberRow(obs.values, isAnomaly);
    return {
      time: obs.time,
      score,
      threshold,
      isAnomaly,
      scorer: this.models.length > 0 ? 'autoencoder' : 'baseline',
      contributions: weights.map((v) => (total > 0 ? v / total : 0)),
      pValue: p,
      ...(signal ? { cause: { metric: top, signal } } : {}),
    };
  }

  private rememberRow(values: readonly number[], flagged: boolean): void {
    const cap = this.recentFlagged.length;
    const slot = this.recentCount % cap;
    for (let j = 0; j < this.metrics; j++) this.recent[slot * this.metrics + j] = values[j] ?? NaN;
    this.recentFlagged[slot] = flagged ? 1 : 0;
    this.recentCount++;
    this.rows++;
    this.rowsSinceTraining++;
  }

  /** Values k rows before pending row p (k = 0 is row p itself). */
  private valuesBack(p: number, k: number): readonly number[] | Float64Array {
    if (k <= p) return this.pending[p - k]!.values;
    return this.recentBack(k - p - 1);
  }

  /** Values of the k-th most recent remembered row (0 = latest). */
  private recentBack(k: number): Float64Array {
    const cap = this.recentFlagged.length;
    const slot = (this.recentCount - 1 - k) % cap;
    return this.recent.subarray(slot * this.metrics, (slot + 1) * this.metrics);
  }

  private flaggedBack(k: number): number {
    const cap = this.recentFlagged.length;
    return this.recentFlagged[(this.recentCount - 1 - k) % cap]!;
  }

  private normalise(value: number, metric: number): number {
    if (!Number.isFinite(value)) return 0;
    const z = (value - this.center[metric]!) / this.scale[metric]!;
    return Math.max(-10, Math.min(10, z));
  }

  /** Median and interquartile spread of each metric over the rows about to be trained on. */
  private fitNormalisation(n: number): void {
    for (let j = 0; j < this.metrics; j++) {
      const values: number[] = [];
      for (let k = 0; k < n; k++) {
        const v = this.recentBack(k)[j]!;
        if (Number.isFinite(v)) values.push(v);
      }
      values.sort((a, b) => a - b);
      const q = (f: number) => values[Math.floor(f * (values.length - 1))] ?? 0;
      const spread = q(0.75) - q(0.25) || q(1) - q(0) || 1;
      this.center[j] = q(0.5);
      this.scale[j] = spread;
    }
  }
}

/** Mean squared error of one metric across the window. */
function metricError(errors: Float32Array, metric: number, metrics: number): number {
  let s = 0;
  let n = 0;
  for (let i = metric; i < errors.length; i += metrics) {
    s += errors[i]!;
    n++;
  }
  return n > 0 ? s / n : 0;
}
