/**
 * What the LSTM sees and learns, for one series. Everything is relative to the value at the
 * forecast origin and divided by the series' scale (its mean absolute one-step change), so one
 * model shape fits disk ratios, latencies and taxi counts alike and a fresh model's zero output
 * is the naive forecast "no change".
 *
 * Two channels per window step τ (origin t, window W, horizon H, season m):
 *   0: (y[τ] - y[t]) / s                      — the recent path
 *   1: (y[τ + H - m] - y[t]) / s              — the same stretch one season earlier, shifted by
 *      H: the window's last H steps are the seasonal-naive forecasts of t+1..t+H and step
 *      W-1-H is y[t - m], so seasonal naive and "last value + last season's change" are both
 *      linear in the inputs (0 when the series has no season).
 * Target for step h: (y[t + h] - y[t]) / s.
 */
export const CHANNELS = 2;
/** Inputs are clipped: a level shift far outside training should not blow the recurrence up. */
const CLIP = 10;

export interface WindowSpec {
  readonly window: number;
  readonly horizon: number;
  /** Season in steps (0: none). */
  readonly season: number;
  readonly scale: number;
  /**
   * The value the series rests at, when it has one (see restingValue): forecast medians near it
   * are snapped to it exactly.
   */
  readonly rest?: number;
}

/** First row index usable as an origin (enough history for the window and the season). */
export function firstOrigin(spec: WindowSpec): number {
  return spec.season > 0 ? Math.max(spec.window - 1, spec.season + spec.window - 1 - spec.horizon) : spec.window - 1;
}

/** Writes the window ending at origin t into out (window × CHANNELS) at offset. */
export function writeWindow(values: ArrayLike<number>, t: number, spec: WindowSpec, out: Float32Array, offset: number): void {
  const { window: w, horizon: h, season: m, scale: s } = spec;
  const last = values[t]!;
  for (let k = 0; k < w; k++) {
    const tau = t - w + 1 + k;
    out[offset + k * CHANNELS] = clip((values[tau]! - last) / s);
    out[offset + k * CHANNELS + 1] = m > 0 ? clip((values[tau + h - m]! - last) / s) : 0;
  }
}

export function writeTargets(values: ArrayLike<number>, t: number, spec: WindowSpec, out: Float32Array, offset: number): void {
  const last = values[t]!;
  for (let k = 1; k <= spec.horizon; k++) out[offset + k - 1] = (values[t + k]! - last) / spec.scale;
}

/** Mean absolute one-step change (the naive forecast's in-sample error), floored so flat series work. */
export function seriesScale(values: ArrayLike<number>, from = 0, to = values.length): number {
  let sum = 0;
  let n = 0;
  let magnitude = 0;
  for (let i = from + 1; i < to; i++) {
    sum += Math.abs(values[i]! - values[i - 1]!);
    magnitude += Math.abs(values[i]!);
    n++;
  }
  const mad = n > 0 ? sum / n : 0;
  const floor = Math.max(1e-9, 1e-6 * (n > 0 ? magnitude / n : 0));
  return Math.max(mad, floor);
}

/**
 * The value the series takes exactly on at least `minShare` of the rows given (its most frequent
 * value), if any: a gauge that rests at 0 between bursts, a flag, a saturated 100%. Such a point
 * mass is lost when everything is seen relative to the origin, yet where it is large the median
 * of what comes next is often exactly that value.
 */
export function restingValue(values: ArrayLike<number>, from = 0, to = values.length, minShare = 0.2): number | undefined {
  const counts = new Map<number, number>();
  let best: number | undefined;
  let most = 0;
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    if (n > most) {
      most = n;
      best = v;
    }
  }
  return to > from && most >= minShare * (to - from) ? best : undefined;
}

/**
 * The series' daily season in steps when it has one: the lag of one day (`stepMs` apart) must
 * fit at least three times in the rows given, and the autocorrelation of the values at that lag
 * must reach `minCorrelation`. 0 otherwise (no season: naive last value).
 */
export function dailySeason(values: ArrayLike<number>, stepMs: number, from = 0, to = values.length, minCorrelation = 0.3): number {
  if (!(stepMs > 0)) return 0;
  const m = Math.round(86_400_000 / stepMs);
  if (m < 2 || to - from < 3 * m) return 0;
  return autocorrelation(values, m, from, to) >= minCorrelation ? m : 0;
}

export function autocorrelation(values: ArrayLike<number>, lag: number, from = 0, to = values.length): number {
  let mean = 0;
  for (let i = from; i < to; i++) mean += values[i]!;
  mean /= to - from;
  let num = 0;
  let den = 0;
  for (let i = from; i < to; i++) {
    const d = values[i]! - mean;
    den += d * d;
    if (i - lag >= from) num += d * (values[i - lag]! - mean);
  }
  return den > 0 ? num / den : 0;
}

function clip(x: number): number {
  return x > CLIP ? CLIP : x < -CLIP ? -CLIP : x;
}
