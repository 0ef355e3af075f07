import { SortedWindow } from './sorted-window.js';

/** Smallest tail probability reported, so -log10(p) stays finite. */
export const MIN_P = 1e-100;

/**
 * Bounds of the fitted GPD shape: a negative (bounded) tail fitted to a few dozen peaks is as
 * likely noise as truth and makes values just past the record look impossible; a very heavy
 * one makes every later spike look ordinary.
 */
const GAMMA_FLOOR = 0;
const GAMMA_CEILING = 0.5;

/** How a statistic's history answers "how rare is a value this large?". */
export interface TailEstimator {
  /** Values seen (at most the history length). */
  readonly size: number;
  add(value: number): void;
  /**
   * P(next value >= value) given the history; 1 while fewer than `minValues` are known.
   * `flatScale`: when every value so far was the same, a move of this size counts as one unit
   * of spread (0: the move is only as rare as a value beyond all of them).
   */
  survival(value: number, flatScale?: number): number;
  /** The value whose tail probability is q, when q lies beyond the peak threshold (else undefined). */
  quantile(q: number): number | undefined;
}

export interface TailOptions {
  /** Values below which no evidence is reported (the first ones say little about the tail). */
  readonly minValues: number;
  /** Fraction of the history treated as peaks for the generalised Pareto fit. */
  readonly tailFraction: number;
}

/**
 * The compact history of a non-negative statistic: the last `blocks × blockRows` values kept as
 * the `keep` largest of each block. Tail probabilities need only the top of the distribution:
 * ranks there are exact as long as no block holds more than `keep` of the values above the one
 * asked about, and a value below every kept one is common (p ≥ 0.05) whatever its exact rank.
 * Beyond the largest peaks a generalised Pareto distribution (method of moments, the SPOT idea)
 * extrapolates; its fit moves slowly, so it is refreshed every `REFIT_ADDS` values rather than
 * at every row. 16 × 48 float32 ≈ 3 KB, against 32 KB for 4,000 exact values in order.
 */
export class TailSketch implements TailEstimator {
  /** Block b's kept values, ascending, in tops[b * keep .. (b + 1) * keep). */
  readonly tops: Float32Array;
  readonly counts: Int32Array;
  current = 0;
  /** The tail fitted at the last refit (undefined: refit at the next question). Part of a snapshot. */
  fit: TailFit | undefined;
  addsSinceFit = 0;

  constructor(
    private readonly options: TailOptions,
    readonly blocks = 16,
    readonly blockRows = 250,
    readonly keep = 48,
  ) {
    this.tops = new Float32Array(blocks * keep).fill(-Infinity);
    this.counts = new Int32Array(blocks);
  }

  get size(): number {
    let n = 0;
    for (const c of this.counts) n += c;
    return n;
  }

  add(input: number): void {
    if (this.counts[this.current]! >= this.blockRows) {
      this.current = (this.current + 1) % this.blocks;
      this.counts[this.current] = 0;
      this.tops.fill(-Infinity, this.current * this.keep, (this.current + 1) * this.keep);
      this.fit = undefined;
    }
    this.counts[this.current]!++;
    if (++this.addsSinceFit >= REFIT_ADDS) this.fit = undefined;
    const value = Math.fround(input);
    const base = this.current * this.keep;
    if (!(value > this.tops[base]!)) return;
    // A new peak changes the fit at once; the rest of the tail moves slowly.
    if (this.fit && value > this.fit.u) this.fit = undefined;
    // Insert into the block's ascending list, dropping its smallest.
    let i = 0;
    while (i + 1 < this.keep && this.tops[base + i + 1]! < value) {
      this.tops[base + i] = this.tops[base + i + 1]!;
      i++;
    }
    this.tops[base + i] = value;
  }

  survival(input: number, flatScale = 0): number {
    const n = this.size;
    if (n < this.options.minValues) return 1;
    const value = Math.fround(input);
    const fit = (this.fit ??= this.refit(n));
    if (value > fit.u) return fitSurvival(fit, value, flatScale);
    // Exact count of kept values at or above `value`: a binary search in each block's list.
    let c = 0;
    let kept = 0;
    for (let b = 0; b < this.blocks; b++) {
      const base = b * this.keep;
      let lo = 0;
      let hi = this.keep;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.tops[base + mid]! < value) lo = mid + 1;
        else hi = mid;
      }
      c += this.keep - lo;
      kept += this.keep - this.firstKept(base);
    }
    // Below every value kept: its exact rank is unknown, and it is not rare.
    if (c >= kept) return Math.max((c + 1) / (n + 1), 0.05);
    return (c + 1) / (n + 1);
  }

  quantile(q: number): number | undefined {
    const n = this.size;
    if (n < this.options.minValues) return undefined;
    return fitQuantile((this.fit ??= this.refit(n)), q);
  }

  private refit(n: number): TailFit {
    this.addsSinceFit = 0;
    // The fit reads only the largest peaks: merge those from the top ends of the blocks' ascending
    // lists instead of sorting every kept value (this ran every 16 rows of every series).
    const next = new Int32Array(this.blocks);
    const first = new Int32Array(this.blocks);
    let kept = 0;
    for (let b = 0; b < this.blocks; b++) {
      first[b] = this.firstKept(b * this.keep);
      next[b] = this.keep - 1;
      kept += this.keep - first[b]!;
    }
    const top: number[] = [];
    const wanted = Math.min(kept, peakCount(kept, n, this.options) + 1);
    while (top.length < wanted) {
      let best = -1;
      for (let b = 0; b < this.blocks; b++) {
        if (next[b]! >= first[b]! && (best < 0 || this.tops[b * this.keep + next[b]!]! > this.tops[best * this.keep + next[best]!]!)) best = b;
      }
      top.push(this.tops[best * this.keep + next[best]!]!);
      next[best]!--;
    }
    return fitTail(top, n, this.options);
  }

  /** Index of a block's smallest kept value (its list fills from the top end; `keep` when empty). */
  private firstKept(base: number): number {
    let lo = 0;
    let hi = this.keep;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.tops[base + mid] === -Infinity) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** How often (in values added) the sketch refits its tail. */
const REFIT_ADDS = 16;

/** The same estimator on exact values (the last `capacity`), for measuring what the sketch costs. */
export class ExactTail implements TailEstimator {
  private readonly window: SortedWindow;

  constructor(
    private readonly options: TailOptions,
    capacity = 4000,
  ) {
    this.window = new SortedWindow(capacity);
  }

  get size(): number {
    return this.window.size;
  }

  add(value: number): void {
    this.window.add(value);
  }

  survival(input: number, flatScale = 0): number {
    const n = this.window.size;
    if (n < this.options.minValues) return 1;
    const value = Math.fround(input);
    const top: number[] = [];
    for (let i = n - 1; i >= 0 && top.length < 256; i--) top.push(this.window.at(i));
    const fit = fitTail(top, n, this.options);
    if (value > fit.u) return fitSurvival(fit, value, flatScale);
    const c = this.window.countAtLeast(value);
    return c >= top.length ? Math.max((c + 1) / (n + 1), 0.05) : (c + 1) / (n + 1);
  }

  quantile(q: number): number | undefined {
    const n = this.window.size;
    if (n < this.options.minValues) return undefined;
    const top: number[] = [];
    for (let i = n - 1; i >= 0 && top.length < 256; i--) top.push(this.window.at(i));
    return fitQuantile(fitTail(top, n, this.options), q);
  }
}

/**
 * A fitted tail, plain numbers (so a snapshot carries it): values above `u` get the GPD's
 * survival, scaled by `base`, the share of values above u. `sigma` 0: every peak was the same.
 */
export interface TailFit {
  readonly u: number;
  /** How many values the fit saw. */
  readonly n: number;
  readonly base: number;
  readonly sigma: number;
  readonly gamma: number;
}

const NO_TAIL: TailFit = { u: Infinity, n: 0, base: 1, sigma: 0, gamma: 0 };

export function fitSurvival(fit: TailFit, value: number, flatScale = 0): number {
  if (!(fit.sigma > 0)) {
    // Every peak the same: nothing was ever larger. Without a spread to judge by, the move is at
    // least as rare as a value beyond all of them, and each `flatScale` of it counts as one unit.
    const beyond = fit.base / (fit.n + 1);
    return Math.max(MIN_P, flatScale > 0 ? Math.min(beyond, fit.base * Math.exp(-(value - fit.u) / flatScale)) : beyond);
  }
  const y = value - fit.u;
  const tail = fit.gamma < 1e-6 ? Math.exp(-y / fit.sigma) : Math.pow(1 + (fit.gamma * y) / fit.sigma, -1 / fit.gamma);
  return Math.max(MIN_P, fit.base * tail);
}

/** The inverse of `fitSurvival` beyond the peak threshold. */
function fitQuantile(fit: TailFit, q: number): number | undefined {
  if (!(q < fit.base) || !(fit.sigma > 0)) return undefined;
  const r = q / fit.base;
  return fit.u + (fit.gamma < 1e-6 ? -fit.sigma * Math.log(r) : (fit.sigma / fit.gamma) * (Math.pow(r, -fit.gamma) - 1));
}

/**
 * Fit the tail of `n` values whose largest are `top` (descending): u is the peak threshold (the
 * `peaks`-th largest), the GPD is fitted by moments to the excesses over it.
 */
function fitTail(top: readonly number[], n: number, options: TailOptions): TailFit {
  const peaks = peakCount(top.length, n, options);
  if (peaks < 1) return NO_TAIL;
  const u = top[peaks]!;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < peaks; i++) {
    const y = top[i]! - u;
    sum += y;
    sumSq += y * y;
  }
  const mean = sum / peaks;
  const variance = sumSq / peaks - mean * mean;
  const base = (peaks + 1) / (n + 1);
  if (!(mean > 0)) return { u, n, base, sigma: 0, gamma: 0 };
  let sigma = mean;
  let gamma = 0;
  if (variance > 0) {
    const ratio = (mean * mean) / variance;
    gamma = Math.min(GAMMA_CEILING, Math.max(GAMMA_FLOOR, 0.5 * (1 - ratio)));
    sigma = 0.5 * mean * (ratio + 1);
  }
  return { u, n, base, sigma, gamma };
}

/** How many of the `available` largest values count as peaks beyond the threshold (the next one). */
function peakCount(available: number, n: number, options: TailOptions): number {
  return Math.min(available - 1, Math.max(Math.floor(options.minValues / 2), Math.floor(n * options.tailFraction)));
}
