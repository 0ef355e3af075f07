import type { Forecast } from '../forecast/series-model.js';
import { isBreach, type LimitRule } from './limit-rules.js';

/** A forecast band that crosses a limit within the horizon. */
export interface Crossing {
  /** Steps ahead (1-based) of the expected breach: the first the median crosses, else the first the band crosses. */
  readonly stepsAhead: number;
  /** Largest probability over the horizon that the value is past the limit. */
  readonly probability: number;
}

/**
 * Where the band [low, high] of a forecast crosses the limit. The probability at each step comes
 * from a two-piece normal through the three quantiles (median; low and high at their levels),
 * so a limit exactly on the band's edge has probability 1 − highQuantile (or lowQuantile).
 */
export function crossing(f: Forecast, rule: LimitRule, quantiles: { low: number; high: number }): Crossing | undefined {
  const above = rule.op === '>' || rule.op === '>=';
  let bandAt = 0;
  let medianAt = 0;
  let probability = 0;
  for (let h = 0; h < f.median.length; h++) {
    const edge = above ? f.high[h]! : f.low[h]!;
    if (isBreach(edge, rule.op, rule.value) && bandAt === 0) bandAt = h + 1;
    if (isBreach(f.median[h]!, rule.op, rule.value) && medianAt === 0) medianAt = h + 1;
    probability = Math.max(probability, exceedance(f.low[h]!, f.median[h]!, f.high[h]!, rule.value, above, quantiles));
  }
  if (bandAt === 0) return undefined;
  return { stepsAhead: medianAt || bandAt, probability: Math.min(1, Math.max(0, probability)) };
}

/** P(Y > limit) (or P(Y < limit)) under the two-piece normal through low, median, high. */
export function exceedance(low: number, median: number, high: number, limit: number, above: boolean, q: { low: number; high: number }): number {
  const zHigh = normalQuantile(q.high);
  const zLow = normalQuantile(q.low);
  const sigma = limit >= median ? (high - median) / zHigh : (median - low) / -zLow;
  const below = sigma > 0 ? normalCdf((limit - median) / sigma) : limit >= median ? 1 : 0;
  return above ? 1 - below : below;
}

/** Φ(x), Abramowitz–Stegun 7.1.26 (error below 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Φ⁻¹(p) by bisection on normalCdf (called with a handful of fixed levels). */
export function normalQuantile(p: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
