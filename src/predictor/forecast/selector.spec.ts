import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../platform/random.js';
import { ForecastSelector, selectForecast } from './selector.js';
import type { Forecast } from './series-model.js';

const H = 4;
const SEASON = 10;
const OPTIONS = { halfLife: 50, minScored: 8, margin: 0 };

/** An exactly repeating pattern: seasonal naive is perfect, the last value is not. */
function periodic(n: number): number[] {
  return Array.from({ length: n }, (_, i) => [0, 1, 3, 6, 8, 9, 8, 6, 3, 1][i % SEASON]!);
}

/** A stand-in LSTM: the truth plus noise of the given size, with a band of ±1 around it. */
function noisyOracle(values: readonly number[], noise: number, seed = 1): (t: number) => Forecast {
  const random = seededRandom(seed);
  return (t) => {
    const median = Array.from({ length: H }, (_, k) => values[t + k + 1]! + noise * (random() - 0.5));
    return { median, low: median.map((m) => m - 1), high: median.map((m) => m + 1) };
  };
}

/** Walks rows [from, to) as the service does: observe the row, then forecast from it. */
function walk(values: readonly number[], lstm: (t: number) => Forecast, from: number, to: number, selector = new ForecastSelector(H, OPTIONS)): Forecast[] {
  const out: Forecast[] = [];
  for (let t = from; t < to; t++) {
    selector.observe(t, values[t]!);
    out.push(selectForecast(selector, values, t, t, lstm(t), SEASON));
  }
  return out;
}

describe('forecast selection', () => {
  it('uses the LSTM until it has errors to compare, then the seasonal naive forecast where it is better', () => {
    const values = periodic(400);
    const lstm = noisyOracle(values, 2);
    const forecasts = walk(values, lstm, SEASON, 380);
    // The first origins: nothing scored yet, the LSTM's forecast as it is.
    const firstLstm = noisyOracle(values, 2)(SEASON);
    expect(forecasts[0]!.median).toEqual(firstLstm.median);
    // Later: seasonal naive at every step ahead, exactly the truth.
    forecasts.slice(100).forEach((f, n) => {
      const t = SEASON + 100 + n;
      f.median.forEach((m, k) => expect(m).toBe(values[t + k + 1]));
    });
  });

  it('keeps the LSTM when it is better than both benchmarks', () => {
    const random = seededRandom(5);
    // A random walk with drift: the truth-plus-small-noise oracle beats last value and last season.
    const values: number[] = [0];
    for (let i = 1; i < 400; i++) values.push(values[i - 1]! + 1 + 2 * (random() - 0.5));
    const selector = new ForecastSelector(H, OPTIONS);
    const forecasts = walk(values, noisyOracle(values, 0.2), SEASON, 380, selector);
    for (let k = 0; k < H; k++) expect(selector.choice(k)).toBe(0);
    forecasts.slice(100).forEach((f, n) => f.median.forEach((m, k) => expect(Math.abs(m - values[SEASON + 100 + n + k + 1]!)).toBeLessThan(0.11)));
  });

  it('keeps the LSTM band, widened only to hold the chosen forecast', () => {
    const values = periodic(200);
    const lstm = noisyOracle(values, 2);
    const forecasts = walk(values, lstm, SEASON, 180);
    const again = noisyOracle(values, 2);
    forecasts.forEach((f, n) => {
      const own = again(SEASON + n);
      f.median.forEach((m, k) => {
        expect(f.low[k]).toBe(Math.min(own.low[k]!, m));
        expect(f.high[k]).toBe(Math.max(own.high[k]!, m));
      });
    });
  });

  it('never looks ahead: rows after an origin change nothing of the forecast from it', () => {
    const values = periodic(300);
    const changed = values.map((v, i) => (i > 150 ? v * 5 - 20 : v));
    // The stand-in LSTM must itself not look ahead for this test: it forecasts the last season.
    const causal = (series: readonly number[]) => (t: number): Forecast => {
      const median = Array.from({ length: H }, (_, k) => series[t + k + 1 - SEASON]! + 0.5);
      return { median, low: median.map((m) => m - 1), high: median.map((m) => m + 1) };
    };
    const a = walk(values, causal(values), SEASON, 280);
    const b = walk(changed, causal(changed), SEASON, 280);
    a.forEach((f, n) => {
      const t = SEASON + n;
      if (t <= 150) expect(b[n]).toEqual(f);
    });
    expect(b[200 - SEASON]).not.toEqual(a[200 - SEASON]);
  });

  it('scores an h-step forecast only once its actual has been observed', () => {
    const selector = new ForecastSelector(H, { halfLife: 10, minScored: 1, margin: 0 });
    const values = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5];
    // The LSTM forecasts 9 everywhere; naive (5) is right. Nothing is known at the first origin.
    const lstm: Forecast = { median: [9, 9, 9, 9], low: [8, 8, 8, 8], high: [10, 10, 10, 10] };
    selector.observe(0, 5);
    expect(selectForecast(selector, values, 0, 0, lstm, 0).median).toEqual([9, 9, 9, 9]);
    selector.observe(1, 5);
    // One step ahead has been scored (origin 0 → row 1), the others not yet.
    expect(selectForecast(selector, values, 1, 1, lstm, 0).median).toEqual([5, 9, 9, 9]);
    selector.observe(2, 5);
    expect(selectForecast(selector, values, 2, 2, lstm, 0).median).toEqual([5, 5, 9, 9]);
  });
});
