import { ByteReader, ByteWriter } from '../../platform/state/bytes.js';
import type { DetectorOptions } from './options.js';
import { SeriesTracker } from './series-tracker.js';
import { MIN_P } from './tail-sketch.js';
import type { Observation, ScoreResult } from './types.js';

/** Evidence (-log10 p) that maps to a score of 0.5; the score is e / (e + EVIDENCE_HALF). */
const EVIDENCE_HALF = 4;
/** Format of an entity snapshot; bumped when the layout changes (formats not in READABLE_FORMATS are refused). */
const SNAPSHOT_FORMAT = 3;
/** Formats `restore` still reads (1: before a statistic counted its rare episodes and a series its runs of repeats; 2: before a track kept when it began to report). */
const READABLE_FORMATS = [1, 2, 3];

export function evidenceToScore(evidence: number): number {
  return evidence <= 0 ? 0 : evidence / (evidence + EVIDENCE_HALF);
}

/**
 * Operator feedback on an entity's alarm risk scale (1 without feedback): a false positive makes
 * its alarms ten times rarer, a missed anomaly ten times more frequent, within a factor of 10^4
 * either way (and never so loose that half of all rows would start a suppression period).
 */
export function adjustRiskScale(scale: number, kind: 'false_positive' | 'missed_anomaly', options: DetectorOptions): number {
  const next = kind === 'false_positive' ? scale / 10 : scale * 10;
  return Math.max(1e-4, Math.min(next, 1e4, 0.5 / options.suppressRisk));
}

/**
 * Everything the detector knows about one entity: a tracker per series of its vector, the rows
 * seen, and the suppression that turns an incident's many unusual rows into one alarm. Rows are
 * scored strictly in order and each sees only rows before it, so how rows are batched changes
 * nothing.
 */
export class EntityState {
  readonly pending: Observation[] = [];
  /** Timestamp of the latest row scored, for dropping entities that went quiet. */
  lastTime = -Infinity;
  rows = 0;
  private readonly trackers: SeriesTracker[];
  /** Operator feedback scales this entity's alarm risk: below 1 after false positives. */
  private riskScale = 1;
  private suppressUntil = -1;
  /** Whether the current suppression period was started by an alarm (else by a near miss). */
  private suppressedByAlarm = false;

  constructor(
    readonly id: string,
    readonly metrics: number,
    private readonly options: DetectorOptions,
    scratch: Float64Array,
  ) {
    this.trackers = Array.from({ length: metrics }, () => new SeriesTracker(options, scratch));
  }

  /** The alarm level on the score scale: the score of a row whose tail probability is the alarm risk. */
  threshold(): number {
    return evidenceToScore(-Math.log10(this.options.alarmRisk * this.riskScale));
  }

  setRiskScale(scale: number): void {
    this.riskScale = scale;
  }

  /** The feedback adjustment this state carries (also in its snapshot). */
  get risk(): number {
    return this.riskScale;
  }

  scorePending(): ScoreResult[] {
    const results = this.pending.map((obs) => this.scoreRow(obs));
    this.pending.length = 0;
    return results;
  }

  private scoreRow(obs: Observation): ScoreResult {
    const threshold = this.threshold();
    const evidence = new Array<number>(this.metrics).fill(0);
    let best = 0;
    let top = -1;
    let signal: NonNullable<ScoreResult['cause']>['signal'] | undefined;
    let present = 0;
    this.trackers.forEach((tracker, j) => {
      const x = obs.values[j]!;
      if (!Number.isFinite(x)) return;
      present++;
      const v = tracker.update(obs.time, x);
      evidence[j] = v.evidence;
      if (v.evidence > best) {
        best = v.evidence;
        top = j;
        signal = v.signal;
      }
    });
    // Bonferroni over the series present: with many series, one of them is unusual more often.
    const p = Math.max(MIN_P, Math.min(1, Math.pow(10, -best) * Math.max(1, present)));

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
    this.rows++;
    this.lastTime = Math.max(this.lastTime, obs.time);

    const total = evidence.reduce((s, v) => s + v, 0);
    return {
      time: obs.time,
      score,
      threshold,
      isAnomaly,
      contributions: evidence.map((v) => (total > 0 ? v / total : 0)),
      pValue: p,
      ...(signal && top >= 0 ? { cause: { metric: top, signal } } : {}),
    };
  }

  memoryBytes(): number {
    return this.trackers.reduce((s, t) => s + t.memoryBytes(), 64);
  }

  /** The entity's state as bytes (pending rows are not part of it: they have not been scored). */
  snapshot(): Uint8Array {
    const w = new ByteWriter();
    w.u8(SNAPSHOT_FORMAT).str(this.id).i32(this.metrics);
    w.f64(this.rows).f64(this.lastTime).f64(this.suppressUntil).u8(this.suppressedByAlarm ? 1 : 0).f64(this.riskScale);
    for (const t of this.trackers) t.write(w);
    return w.bytes();
  }

  /** Read a snapshot written by `snapshot()` into this (fresh) state. */
  restore(bytes: Uint8Array): void {
    const r = new ByteReader(bytes);
    const format = r.u8();
    if (!READABLE_FORMATS.includes(format)) throw new Error(`snapshot format ${format}, expected ${SNAPSHOT_FORMAT}`);
    const id = r.str();
    const metrics = r.i32();
    if (id !== this.id || metrics !== this.metrics) throw new Error(`snapshot of ${id} with ${metrics} series, expected ${this.id} with ${this.metrics}`);
    this.rows = r.f64();
    this.lastTime = r.f64();
    this.suppressUntil = r.f64();
    this.suppressedByAlarm = r.u8() === 1;
    this.riskScale = r.f64();
    for (const t of this.trackers) t.read(r, format);
    if (!r.done) throw new Error('snapshot has trailing bytes');
  }
}

/** The entity id and series count a snapshot was written for, without restoring it. */
export function snapshotHeader(bytes: Uint8Array): { id: string; metrics: number } {
  const r = new ByteReader(bytes);
  const format = r.u8();
  if (!READABLE_FORMATS.includes(format)) throw new Error(`snapshot format ${format}, expected ${SNAPSHOT_FORMAT}`);
  return { id: r.str(), metrics: r.i32() };
}
