import { SortedWindow } from './sorted-window.js';

/**
 * Lower bound of the fitted shape: with a few dozen peaks a negative (bounded) tail is as likely
 * to be estimation noise as truth, and it makes values just past the record look impossible.
 * Keeping tails at least exponential errs towards fewer false alarms.
 */
const GAMMA_FLOOR = 0;
const GAMMA_CEILING = 0.5;

/** Smallest tail probability reported, so -log10(p) stays finite. */
export const MIN_P = 1e-100;

/**
 * Peaks-over-threshold tail model of a non-negative signal (the SPOT idea): below a high
 * quantile u the tail probability is the empirical one; above it, a generalised Pareto
 * distribution fitted to the excesses over u extrapolates beyond anything seen so far.
 * Fitted by the method of moments, which is stable on the few dozen peaks a window holds.
 */
export class TailModel {
  private readonly window: SortedWindow;

  constructor(
    capacity: number,
    private readonly tailFraction: number,
    private readonly minPeaks: number,
  ) {
    this.window = new SortedWindow(capacity);
  }

  get size(): number {
    return this.window.size;
  }

  /** Whether enough values are known for the model to report any evidence. */
  get ready(): boolean {
    return this.window.size >= 2 * this.minPeaks;
  }

  add(value: number): void {
    this.window.add(value);
  }

  /** P(next value >= value) given the values added so far; 1 while too few are known. */
  survival(input: number): number {
    // Judged at the precision values are stored at, so a repeat of a stored value ties with it.
    const value = Math.fround(input);
    const n = this.window.size;
    if (!this.ready) return 1;
    const peaks = Math.max(this.minPeaks, Math.floor(n * this.tailFraction));
    const uIndex = n - peaks - 1;
    const u = this.window.at(uIndex);
    if (value <= u) return (this.window.countAtLeast(value) + 1) / (n + 1);
    const base = (peaks + 1) / (n + 1);
    const { sigma, gamma } = this.fit(uIndex, u);
    const y = value - u;
    if (!(sigma > 0)) return Math.max(MIN_P, base / (n + 1));
    const tail = Math.abs(gamma) < 1e-6 ? Math.exp(-y / sigma) : gpdSurvival(y, sigma, gamma);
    return Math.max(MIN_P, base * tail);
  }

  /** The value whose tail probability is q (SPOT's alarm level z_q), or Infinity before warm-up. */
  quantileFor(q: number): number {
    const n = this.window.size;
    if (!this.ready) return Infinity;
    const peaks = Math.max(this.minPeaks, Math.floor(n * this.tailFraction));
    const uIndex = n - peaks - 1;
    const u = this.window.at(uIndex);
    const base = (peaks + 1) / (n + 1);
    if (q >= base) return this.window.quantile(1 - q);
    const { sigma, gamma } = this.fit(uIndex, u);
    if (!(sigma > 0)) return u;
    const r = q / base;
    return u + (Math.abs(gamma) < 1e-6 ? -sigma * Math.log(r) : (sigma / gamma) * (Math.pow(r, -gamma) - 1));
  }

  private fit(uIndex: number, u: number): { sigma: number; gamma: number } {
    const n = this.window.size;
    let sum = 0;
    let sumSq = 0;
    const k = n - uIndex - 1;
    for (let i = uIndex + 1; i < n; i++) {
      const y = this.window.at(i) - u;
      sum += y;
      sumSq += y * y;
    }
    const mean = sum / k;
    const variance = sumSq / k - mean * mean;
    if (!(mean > 0) || !(variance > 0)) return { sigma: mean, gamma: 0 };
    const ratio = (mean * mean) / variance;
    // Clamped above too: a very heavy fitted tail would make every later spike look ordinary.
    const gamma = Math.min(GAMMA_CEILING, Math.max(GAMMA_FLOOR, 0.5 * (1 - ratio)));
    return { sigma: 0.5 * mean * (ratio + 1), gamma };
  }
}

function gpdSurvival(y: number, sigma: number, gamma: number): number {
  const base = 1 + (gamma * y) / sigma;
  if (base <= 0) return 0;
  return Math.pow(base, -1 / gamma);
}
