import type { DetectorOptions } from './options.js';
import { SortedWindow } from './sorted-window.js';
import { SEASON_CYCLES } from './seasonality.js';
import { TailModel } from './tail-model.js';

/** Names of the evidence one metric yields per row, each judged against its own history. */
export const SIGNALS = ['change', 'seasonal', 'level', 'burst', 'shift', 'reconstruction'] as const;
export type SignalName = (typeof SIGNALS)[number];

export interface MetricVerdict {
  /** Tail probability of the metric's most surprising signal, Bonferroni-corrected. */
  readonly p: number;
  readonly strongest: SignalName | undefined;
}

/**
 * Online evidence for one metric of one entity. Every signal is a non-negative magnitude
 * (a jump, a gap to the same time yesterday or last week, a gap to the recent median, a run of
 * jumps, a sustained offset, the autoencoder's reconstruction error) turned into a tail
 * probability by its own peaks-over-threshold model, so all of them share one scale.
 * The references (same time of day and of week) come from the entity's SeasonalClock; each
 * gap takes the closest of them: a pattern that repeats daily or weekly is not news.
 */
export class MetricSignals {
  private readonly history: Float64Array;
  private rows = 0;
  private readonly level: SortedWindow;
  private readonly tails = new Map<SignalName, TailModel>();
  /** Rows left before the reconstruction error is judged again (see `rebaseReconstruction`). */
  private calibrating = 0;
  private readonly recentChange: Float64Array;
  private readonly recentOffset: Float64Array;
  // Scratch space for the seasonal reference values (three rows per cycle), reused every row.
  private readonly here = new Float64Array(3 * SEASON_CYCLES);
  private readonly before = new Float64Array(3 * SEASON_CYCLES);

  constructor(
    private readonly options: DetectorOptions,
    /** Raw values kept so the seasonal references (SeasonalClock.capacity rows back) are reachable. */
    seasonalRows: number,
  ) {
    this.history = new Float64Array(Math.max(3, seasonalRows));
    this.level = new SortedWindow(Math.min(options.historyRows, 1000), true);
    this.recentChange = new Float64Array(options.smoothRows);
    this.recentOffset = new Float64Array(options.smoothRows);
    for (const name of SIGNALS) {
      this.tails.set(name, new TailModel(options.historyRows, options.tailFraction, options.minPeaks));
    }
  }

  /**
   * Replace the reconstruction-error history after a retrain: a new model's errors live on a
   * new scale, and judging them against the old model's would raise false alarms.
   */
  rebaseReconstruction(errors: readonly number[]): void {
    const tail = new TailModel(this.options.historyRows, this.options.tailFraction, this.options.minPeaks);
    for (const e of errors) tail.add(e);
    this.tails.set('reconstruction', tail);
    this.calibrating = this.options.autoencoder.calibrationRows;
  }

  /** Judge value x (and the autoencoder's error for the window ending here, if any), then learn it. */
  update(x: number, references: readonly (readonly number[])[], reconstruction: number | undefined): MetricVerdict {
    if (!Number.isFinite(x)) {
      // A missing value says nothing; carry the last one forward so seasonal lags stay aligned.
      if (this.rows > 0) this.remember(this.back(1));
      return { p: 1, strongest: undefined };
    }
    const signals = this.signals(x, references, reconstruction);
    let best = 1;
    let strongest: SignalName | undefined;
    let active = 0;
    for (const [name, value] of signals) {
      const tail = this.tails.get(name)!;
      if (name === 'reconstruction' && this.calibrating > 0) {
        this.calibrating--;
        tail.add(value);
        continue;
      }
      const p = tail.survival(value);
      if (tail.ready) active++;
      if (p < best) {
        best = p;
        strongest = name;
      }
      // As in SPOT, values beyond the alarm level stay out of the model: otherwise a slow drift
      // teaches the tail its own values and stops looking unusual.
      if (p >= this.options.learnRisk) tail.add(value);
    }
    this.remember(x);
    return { p: Math.min(1, best * Math.max(1, active)), strongest };
  }

  private signals(x: number, references: readonly (readonly number[])[], reconstruction: number | undefined): [SignalName, number][] {
    const out: [SignalName, number][] = [];
    const floor = 1e-9 * (1 + Math.abs(x));
    const slot = this.rows % this.options.smoothRows;
    const prev = this.rows > 0 ? this.back(1) : x;
    // Seasonal references: per period (a day, a week), the median of the same time (±1 row)
    // over the last few cycles. Each signal takes its smallest gap over the references, so a value
    // explained by yesterday's or last week's pattern is not news.
    let reference: number | undefined;
    let gap = Infinity;
    let changeGap = Math.abs(x - prev);
    for (const offsets of references) {
      if (offsets.length === 0) continue;
      let n = 0;
      for (const back of offsets) {
        for (let j = -1; j <= 1; j++, n++) {
          this.here[n] = this.back(back + j);
          this.before[n] = this.back(back + j + 1);
        }
      }
      const ref = median(this.here.subarray(0, n));
      if (Math.abs(x - ref) < gap) {
        gap = Math.abs(x - ref);
        reference = ref;
      }
      changeGap = Math.min(changeGap, Math.abs(x - prev - (ref - median(this.before.subarray(0, n)))));
    }
    if (this.rows > 0) {
      const change = Math.max(0, changeGap - floor);
      out.push(['change', change]);
      this.recentChange[slot] = change;
      if (this.rows >= this.options.smoothRows) out.push(['burst', mean(this.recentChange)]);
    }
    if (reference !== undefined) out.push(['seasonal', Math.max(0, gap - floor)]);
    if (this.level.size > 0) {
      const m = this.level.median();
      out.push(['level', Math.max(0, Math.min(gap, Math.abs(x - m)) - floor)]);
      reference ??= m;
    }
    if (reference !== undefined) {
      this.recentOffset[slot] = x - reference;
      if (this.rows >= this.options.smoothRows) out.push(['shift', Math.abs(mean(this.recentOffset))]);
    }
    if (reconstruction !== undefined) out.push(['reconstruction', reconstruction]);
    return out;
  }

  private back(k: number): number {
    const len = this.history.length;
    return this.history[(((this.rows - k) % len) + len) % len]!;
  }

  private remember(x: number): void {
    this.history[this.rows % this.history.length] = x;
    this.level.add(x);
    this.rows++;
  }
}

/** Median of a small scratch array, sorted in place. */
function median(values: Float64Array): number {
  values.sort();
  const mid = values.length >> 1;
  return values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

function mean(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}
