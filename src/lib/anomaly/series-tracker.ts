import type { ByteReader, ByteWriter } from '../../platform/state/bytes.js';
import type { DetectorOptions } from './options.js';
import { DAY_MS, SeasonalProfile, WEEK_MS } from './seasonal-profile.js';
import { REFERENCES, ShiftTrack, type ReferenceKind } from './shift-track.js';
import { ExactTail, TailSketch, type TailEstimator } from './tail-sketch.js';

/** What raised a series' evidence: a sustained shift from its seasonal reference, from its recent median (before the seasonal one is ready), or a value beyond its all-time range. */
export type SignalName = 'shift' | 'level' | 'record';

export interface SeriesVerdict {
  /** -log10 of the tail probability (0: nothing unusual, or nothing known yet). */
  readonly evidence: number;
  readonly signal: SignalName | undefined;
}

/** Timestamps used to learn the sampling interval before the seasonal profiles are set up. */
const INTERVAL_ROWS = 6;
/** Above this interval a day holds too few samples for a seasonal reference. */
const MAX_SEASONAL_INTERVAL = DAY_MS / 4;
/** Recent values needed before their median serves as a reference. */
const MIN_RECENT = 8;
/**
 * A statistic that never moved (a series constant so far) has no spread to judge a move by; a
 * move of this fraction of the series' level counts as one unit of it (see TailSketch.survival).
 */
const FLAT_SCALE = 0.01;
/**
 * How far (a fraction of the longest earlier run) a run of repeats must outlast every earlier one
 * to be a run record; its distance is counted in this unit, but never less than one row.
 */
const RUN_TOLERANCE = 0.02;

const NOTHING: SeriesVerdict = { evidence: 0, signal: undefined };

/**
 * Everything the detector keeps about one series, in a few KB.
 *
 * Each value is compared with a reference: the closer of the same time of day and of week over
 * the last few cycles (coarse seasonal profiles), or, until those know enough, the median of
 * the recent values. The residual's mean over `shiftRows` rows is the statistic: a sustained
 * shift, a burst, a spike large enough to move the mean. Its tail probability comes from its
 * own history (a sketch of the largest values), so the evidence means the same on every
 * series: how rarely this series has moved this far. A value beyond everything the series has
 * ever shown (by `recordTolerance` of its range) is a record, as rare as the history is long,
 * and rarer still the farther past the range it lands (see `recordEvidence`). So is a value
 * repeated for longer than any earlier run of repeats (a stuck exporter, a day of zero writes):
 * a record in time, among the runs seen so far.
 */
export class SeriesTracker {
  interval = 0;
  private readonly earlyTimes: number[] = [];
  private readonly earlyValues: number[] = [];
  profiles: SeasonalProfile[] = [];
  /**
   * Shift statistics against each kind of reference known so far, least informed first; the most
   * informed one with enough history reports, and retires the ones before it (the daily track
   * only once the day-and-week one has reported for `handoverHours`).
   */
  private tracks: ShiftTrack[];
  private low = Infinity;
  private high = -Infinity;
  private seen = 0;
  /** Rows the current value has repeated for; runs of repeats (longer than one row) completed, and the longest of them. */
  private run = 0;
  private runs = 0;
  private longestRun = 0;
  /** Smallest step between different values: residuals below half of it are rounding, not news. */
  private quantum = Infinity;
  private last = NaN;

  constructor(
    private readonly options: DetectorOptions,
    private readonly scratch: Float64Array,
  ) {
    this.tracks = [this.newTrack('recent')];
  }

  /** Judge value x at time t against what came before, then learn it. */
  update(t: number, x: number): SeriesVerdict {
    if (!Number.isFinite(x)) return NOTHING;
    if (this.interval === 0) this.learnInterval(t, x);
    let evidence = 0;
    let signal: SignalName | undefined;
    const consider = (e: number, s: SignalName) => {
      if (e > evidence) {
        evidence = e;
        signal = s;
      }
    };

    const references = this.references(t, x);
    // A track starts the first time its own kind of reference exists (the seasonal one: a week).
    const starts: Record<ReferenceKind, boolean> = { recent: true, daily: Number.isFinite(references.daily), seasonal: Number.isFinite(references.weekly) };
    // Once a more informed track reports, the less informed ones are gone for good: not started again.
    REFERENCES.forEach((kind, index) => {
      if (starts[kind] && !this.tracks.some((k) => k.index >= index)) this.tracks.push(this.newTrack(kind));
    });
    const reporting = this.reportingTrack();
    if (reporting && Number.isNaN(reporting.reportingSince)) reporting.reportingSince = t;
    // The day-and-week reference starts from a week-old bin that has not yet seen every hour of
    // the day: for its first hours the daily track judges too, and the less surprised of the two
    // speaks (a nightly spike the daily track knows well is no news because the new track has not
    // met one yet). The recent median hands over to the daily track at once: it knows no pattern.
    const young = reporting?.kind === 'seasonal' && t - reporting.reportingSince < this.options.handoverHours * 3_600_000;
    const previous = young ? this.tracks.find((k) => k.kind === 'daily' && k.tail.size >= this.options.minValues) : undefined;
    let pReporting = 1;
    let pPrevious = 0;
    for (const track of this.tracks) {
      const reference = references[track.kind];
      const p = Number.isFinite(reference) ? track.judge(t, this.residual(x, reference), this.options, FLAT_SCALE * Math.abs(reference)) : 1;
      if (track === reporting) pReporting = p;
      // Only a daily track that judged this row (its reference exists: not after a long gap) speaks.
      if (track === previous && Number.isFinite(reference)) pPrevious = p;
      track.recent?.add(x);
    }
    if (reporting) consider(-Math.log10(Math.max(pReporting, pPrevious)), reporting.kind === 'recent' ? 'level' : 'shift');
    if (reporting && reporting.index > 0 && !young) this.tracks = this.tracks.filter((k) => k.index >= reporting.index);
    if (this.seen >= this.options.minValues) {
      const range = this.high - this.low || Math.abs(this.high) * 0.01 || 1;
      const beyond = x > this.high ? (x - this.high) / range : x < this.low ? (this.low - x) / range : 0;
      if (beyond > this.options.recordTolerance) consider(recordEvidence(this.seen, beyond, this.options.recordTolerance), 'record');
    }
    if (x === this.last) {
      this.run++;
      if (this.runs > 0 && this.seen >= this.options.minValues) {
        const beyond = this.run / this.longestRun - 1;
        if (beyond > RUN_TOLERANCE) consider(recordEvidence(this.runs, beyond, Math.max(RUN_TOLERANCE, 1 / this.longestRun)), 'record');
      }
    } else {
      if (this.run > 1) {
        this.runs++;
        this.longestRun = Math.max(this.longestRun, this.run);
      }
      this.run = 1;
    }

    if (Number.isFinite(this.last) && x !== this.last) this.quantum = Math.min(this.quantum, Math.abs(x - this.last));
    this.last = x;
    this.low = Math.min(this.low, x);
    this.high = Math.max(this.high, x);
    this.seen++;
    for (const p of this.profiles) p.add(t, x);
    return signal ? { evidence, signal } : NOTHING;
  }

  /** Bytes of state held (typed arrays and numbers), for the memory figures. */
  memoryBytes(): number {
    let bytes = 8 * 15;
    for (const p of this.profiles) bytes += p.values.byteLength + 32;
    for (const k of this.tracks) bytes += tailBytes(this.options) + 8 * this.options.shiftRows + 24 + (k.recent ? 8 * this.options.recentRows : 0);
    return bytes;
  }

  write(w: ByteWriter): void {
    w.f64(this.interval).f64s(this.earlyTimes).f64s(this.earlyValues);
    w.f64(this.low).f64(this.high).f64(this.seen).f64(this.quantum).f64(this.last);
    w.f64(this.run).f64(this.runs).f64(this.longestRun);
    w.u8(this.profiles.length);
    for (const p of this.profiles) w.f64(p.period).i32(p.bins).f64(p.currentBin).f64(p.sum).f64(p.count).f32s(p.values);
    w.u8(this.tracks.length);
    for (const k of this.tracks) k.write(w, writeTail);
  }

  read(r: ByteReader, format: number): void {
    this.interval = r.f64();
    this.earlyTimes.splice(0, Infinity, ...r.f64s());
    this.earlyValues.splice(0, Infinity, ...r.f64s());
    this.low = r.f64();
    this.high = r.f64();
    this.seen = r.f64();
    this.quantum = r.f64();
    this.last = r.f64();
    // Format 1 (before run records) reads as no run completed yet.
    if (format >= 2) {
      this.run = r.f64();
      this.runs = r.f64();
      this.longestRun = r.f64();
    }
    const profiles = r.u8();
    this.profiles = [];
    for (let i = 0; i < profiles; i++) {
      const period = r.f64();
      const bins = r.i32();
      const p = new SeasonalProfile(period, period / bins, bins, this.options.seasonCycles);
      if (p.bins !== bins) throw new Error('snapshot: seasonal profile does not fit the options');
      p.currentBin = r.f64();
      p.sum = r.f64();
      p.count = r.f64();
      p.values.set(r.f32s(p.values.length));
      this.profiles.push(p);
    }
    const tracks = r.u8();
    this.tracks = [];
    for (let i = 0; i < tracks; i++) {
      const kind = REFERENCES[r.u8()];
      if (!kind) throw new Error('snapshot: unknown reference kind');
      const track = this.newTrack(kind);
      track.read(r, readTail, format);
      // Before format 3 a reporting track had taken over; one not reporting yet will, when it does.
      if (format < 3 && track.tail.size < this.options.minValues) track.reportingSince = NaN;
      this.tracks.push(track);
    }
  }

  private residual(x: number, reference: number): number {
    const r = x - reference;
    // Until the series has changed once, its step is unknown (not infinite).
    const step = Number.isFinite(this.quantum) ? this.quantum / 2 : 0;
    return Math.abs(r) < Math.max(step, 1e-6 * Math.abs(x)) ? 0 : r;
  }

  /** Each kind of reference for x at t (NaN where not known yet), and the weekly one on its own. */
  private references(t: number, x: number): Record<ReferenceKind | 'weekly', number> {
    const recent = this.tracks.find((k) => k.kind === 'recent')?.recent;
    const daily = this.profiles[0]?.reference(t, this.scratch) ?? NaN;
    const weekly = this.profiles[1]?.reference(t, this.scratch) ?? NaN;
    // The closer of the two: a value explained by yesterday's or by last week's pattern is not news.
    const seasonal = Number.isFinite(weekly) && !(Math.abs(x - weekly) >= Math.abs(x - daily)) ? weekly : daily;
    return { recent: recent && recent.size >= MIN_RECENT ? recent.median() : NaN, daily, seasonal, weekly };
  }

  /** The most informed track whose history is long enough to judge by. */
  private reportingTrack(): ShiftTrack | undefined {
    let best: ShiftTrack | undefined;
    for (const k of this.tracks) if (k.tail.size >= this.options.minValues && (!best || k.index > best.index)) best = k;
    return best;
  }

  private newTrack(kind: ReferenceKind): ShiftTrack {
    return new ShiftTrack(kind, this.options.shiftRows, this.options.recentRows, newTail(this.options));
  }

  /** The sampling interval from the first timestamps; then the seasonal profiles, fed what came before. */
  private learnInterval(t: number, x: number): void {
    this.earlyTimes.push(t);
    this.earlyValues.push(x);
    if (this.earlyTimes.length < INTERVAL_ROWS) return;
    const gaps = this.earlyTimes
      .slice(1)
      .map((v, i) => v - this.earlyTimes[i]!)
      .filter((d) => d > 0)
      .sort((a, b) => a - b);
    const interval = gaps[gaps.length >> 1];
    if (!interval) {
      // All stamps equal so far: keep waiting for a second distinct one.
      this.earlyTimes.shift();
      this.earlyValues.shift();
      return;
    }
    this.interval = interval;
    if (interval <= MAX_SEASONAL_INTERVAL) {
      const o = this.options;
      this.profiles = [new SeasonalProfile(DAY_MS, interval, o.dayBins, o.seasonCycles), new SeasonalProfile(WEEK_MS, interval, o.weekBins, o.seasonCycles)];
      // The current value is added after it is judged, like every other.
      for (let i = 0; i < this.earlyTimes.length - 1; i++) for (const p of this.profiles) p.add(this.earlyTimes[i]!, this.earlyValues[i]!);
    }
    this.earlyTimes.length = 0;
    this.earlyValues.length = 0;
  }
}

/**
 * Evidence (-log10 p) of a value `beyond` (a fraction of the range) past the range of `seen`
 * values. Under exchangeable data a new record comes once in `seen + 1` values; how far past the
 * range it lands is taken as Pareto with index 1 in units of the tolerance — the heaviest tail
 * that still says anything — so one ten times the tolerance past it is ten times rarer again: a
 * value that doubles the range is not the same news as one that nudges it, and the extra
 * evidence grows only with the logarithm of the distance.
 */
export function recordEvidence(seen: number, beyond: number, tolerance: number): number {
  return Math.log10(seen + 1) + Math.log10(Math.max(1, beyond / tolerance));
}

function newTail(o: DetectorOptions): TailEstimator {
  const settings = { minValues: o.minValues, tailFraction: o.tailFraction };
  return o.exactTails ? new ExactTail(settings, o.tailBlocks * o.tailBlockRows) : new TailSketch(settings, o.tailBlocks, o.tailBlockRows, o.tailKeep);
}

function tailBytes(o: DetectorOptions): number {
  return o.exactTails ? 8 * o.tailBlocks * o.tailBlockRows : 4 * o.tailBlocks * (o.tailKeep + 1) + 8;
}

function writeTail(w: ByteWriter, tail: TailEstimator): void {
  if (!(tail instanceof TailSketch)) throw new Error('exact tails are for measurements and are not snapshotted');
  w.u8(0).i32(tail.current).i32s(tail.counts).f32s(tail.tops).i32(tail.addsSinceFit);
  const f = tail.fit;
  // The fit in use (it is refreshed every few values): a restored copy must judge with the same one.
  w.u8(f ? 1 : 0);
  if (f) w.f64(f.u).f64(f.n).f64(f.base).f64(f.sigma).f64(f.gamma);
}

function readTail(r: ByteReader, tail: TailEstimator): void {
  if (!(tail instanceof TailSketch) || r.u8() !== 0) throw new Error('snapshot: unexpected tail model');
  tail.current = r.i32();
  tail.counts.set(r.i32s(tail.blocks));
  tail.tops.set(r.f32s(tail.tops.length));
  tail.addsSinceFit = r.i32();
  tail.fit = r.u8() === 1 ? { u: r.f64(), n: r.f64(), base: r.f64(), sigma: r.f64(), gamma: r.f64() } : undefined;
}
