import type { ByteReader, ByteWriter } from '../../platform/state/bytes.js';
import { RunningMean } from './running-mean.js';
import { SortedWindow } from './sorted-window.js';
import type { DetectorOptions } from './options.js';
import type { TailEstimator } from './tail-sketch.js';

/** Rarities with less than this between them are one episode (see `ShiftTrack.judge`). */
export const EPISODE_GAP_MS = 86_400_000;

/**
 * What a shift is measured against, from the least to the most informed: the median of the
 * recent values (from the first rows), the same time of day (from the second day), the closer
 * of the same time of day and of week (from the second week).
 */
export const REFERENCES = ['recent', 'daily', 'seasonal'] as const;
export type ReferenceKind = (typeof REFERENCES)[number];

/**
 * The shift statistic against one kind of reference, with its own history: the mean residual
 * over the last rows, and how rarely the series has moved that far. A statistic's history must
 * be of one definition: before a week has passed the daily reference cannot explain a weekend,
 * and a history full of those misses would hide a holiday later on. So each reference kind gets
 * a track of its own, started when that reference first exists.
 */
export class ShiftTrack {
  readonly mean: RunningMean;
  /** The recent values whose median is the `recent` reference. */
  readonly recent: SortedWindow | undefined;

  constructor(
    readonly kind: ReferenceKind,
    shiftRows: number,
    recentRows: number,
    readonly tail: TailEstimator,
  ) {
    this.mean = new RunningMean(shiftRows);
    this.recent = kind === 'recent' ? new SortedWindow(recentRows) : undefined;
  }

  get index(): number {
    return REFERENCES.indexOf(this.kind);
  }

  /**
   * Separate episodes of statistics rarer than `learnRisk` so far (an episode: such rows with no
   * gap of `EPISODE_GAP_MS` between them), and the time of the latest such row.
   */
  episodes = 0;
  lastRare = -Infinity;
  /** When this track first reported (NaN: not yet). */
  reportingSince = NaN;

  /**
   * The statistic for this residual at time t (NaN until enough rows; `flatScale`: see
   * TailSketch.survival), its tail probability, then
   * learned — a value rarer than `learnRisk` only up to the value at that rarity, so an incident's
   * rows do not teach the series that incidents are normal (the same fault an hour later is
   * flagged again), while a lasting new level still raises that value row by row until it is
   * normal. Once such rarities have come in more than `learnRepeats` separate episodes (a day
   * apart), they are learned in full: a burst that comes back every day or two is how this
   * series behaves, and clipping it would keep it rare for ever.
   */
  judge(t: number, residual: number, o: Pick<DetectorOptions, 'minValues' | 'learnRisk' | 'learnRepeats'>, flatScale: number): number {
    const stat = Math.abs(this.mean.push(residual));
    if (!Number.isFinite(stat)) return 1;
    const p = this.tail.size >= o.minValues ? this.tail.survival(stat, flatScale / this.mean.rows) : 1;
    let clip = p < o.learnRisk;
    if (clip && o.learnRepeats > 0) {
      if (!(t - this.lastRare < EPISODE_GAP_MS)) this.episodes++;
      this.lastRare = t;
      clip = this.episodes <= o.learnRepeats;
    }
    const cap = clip ? this.tail.quantile(o.learnRisk) : undefined;
    this.tail.add(cap !== undefined && cap < stat ? cap : stat);
    return p;
  }

  write(w: ByteWriter, writeTail: (w: ByteWriter, t: TailEstimator) => void): void {
    w.u8(this.index);
    this.mean.write(w);
    w.f64(this.episodes).f64(this.lastRare).f64(this.reportingSince);
    writeTail(w, this.tail);
    if (this.recent) this.recent.write(w);
  }

  /**
   * `format` 1 (before the episodes were kept) reads as no episodes yet; before format 3 a track
   * took over at once when it reported, so it reads as reporting for long (the series tracker
   * resets that for a track not reporting yet).
   */
  read(r: ByteReader, readTail: (r: ByteReader, t: TailEstimator) => void, format: number): void {
    this.mean.read(r);
    if (format >= 2) {
      this.episodes = r.f64();
      this.lastRare = r.f64();
    }
    this.reportingSince = format >= 3 ? r.f64() : -Infinity;
    readTail(r, this.tail);
    if (this.recent) this.recent.read(r);
  }
}
