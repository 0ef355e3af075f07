import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../platform/ml/backend.js';
import { seededRandom } from '../../platform/random.js';
import { Accuracy, maseScale } from '../eval/metrics.js';
import { rollingForecasts } from '../eval/rolling.js';
import { OnlineForecaster, seriesSeed } from './online-forecaster.js';
import type { ForecasterOptions } from './options.js';

// Small and quick, but the real training path.
const FAST: Partial<ForecasterOptions> = { window: 16, horizon: 6, units: 12, coldStartRows: 300, retrainEveryRows: 10_000, trainRows: 300, maxSamples: 256, epochs: 25 };

/** A sine of period 40 steps with noise: predictable ahead, but the last value is not the best guess. */
function noisySine(n: number, seed = 3): Float64Array {
  const random = seededRandom(seed);
  return Float64Array.from({ length: n }, (_, i) => 10 + 3 * Math.sin((2 * Math.PI * i) / 40) + 0.3 * (random() - 0.5));
}

describe('LSTM forecaster', () => {
  beforeAll(async () => {
    await initBackend(() => {});
  });

  it('learns a noisy sine from its own first rows and forecasts it better than the naive last value', async () => {
    const values = noisySine(600);
    const h = FAST.horizon!;
    const origins = Array.from({ length: 250 }, (_, i) => 320 + i);
    const [forecasts] = await rollingForecasts([{ values, stepMs: 60_000, origins, seed: 1 }], { ...(await import('./options.js')).DEFAULT_FORECASTER, ...FAST });
    const scale = maseScale(values, 0, 300);
    const lstm = new Accuracy(scale);
    const naive = new Accuracy(scale);
    origins.forEach((t, n) => {
      const f = forecasts![n]!;
      expect(f).toBeDefined();
      for (let k = 1; k <= h; k++) {
        lstm.add(values[t + k]!, f.median[k - 1]!);
        naive.add(values[t + k]!, values[t]!);
        // The band holds the median.
        expect(f.low[k - 1]!).toBeLessThanOrEqual(f.median[k - 1]! + 1e-9);
        expect(f.high[k - 1]!).toBeGreaterThanOrEqual(f.median[k - 1]! - 1e-9);
      }
    });
    expect(lstm.count).toBe(250 * h);
    expect(lstm.mase).toBeLessThan(0.6 * naive.mase);
  }, 60_000);

  it('online: no forecast before the cold start, then one per new step, batched over series', async () => {
    const f = new OnlineForecaster({ ...FAST, coldStartRows: 60, trainRows: 60, epochs: 3 });
    const a = noisySine(80, 1);
    const b = noisySine(80, 2);
    for (let i = 0; i < 59; i++) {
      f.observe('a', i * 1000, a[i]!, 1000);
      f.observe('b', i * 1000, b[i]!, 1000);
    }
    expect(await f.update()).toEqual([]);
    expect(f.modelCount).toBe(0);
    f.observe('a', 59_000, a[59]!, 1000);
    f.observe('b', 59_000, b[59]!, 1000);
    const first = await f.update();
    expect(f.trainings).toBe(2);
    expect(f.modelVersion('a')).toBe(1);
    // Steps seen before the model existed are past: only the newest is forecast, for both series.
    expect(first.map((x) => [x.series, x.time])).toEqual([
      ['a', 59_000],
      ['b', 59_000],
    ]);
    for (let i = 60; i < 63; i++) f.observe('a', i * 1000, a[i]!, 1000);
    const next = await f.update();
    expect(next.map((x) => [x.series, x.time])).toEqual([
      ['a', 60_000],
      ['a', 61_000],
      ['a', 62_000],
    ]);
    expect(next[0]!.forecast.median).toHaveLength(6);
    expect(next[0]!.modelVersion).toBe(1);
  }, 60_000);

  it('a stop abandons a training in progress: no model, the series stays due and trains on the next update', async () => {
    const f = new OnlineForecaster({ ...FAST, coldStartRows: 30, trainRows: 30, epochs: 50 });
    for (let i = 0; i < 30; i++) f.observe('a', i * 1000, Math.sin(i / 3), 1000);
    let asked = 0;
    expect(await f.update(() => ++asked > 3)).toEqual([]);
    expect(asked).toBe(4);
    expect(f.modelCount).toBe(0);
    expect(f.trainings).toBe(0);
    await f.update();
    expect(f.modelCount).toBe(1);
  }, 60_000);

  it('spreads a cold start of many series over several updates (maxTrainPerUpdate)', async () => {
    const f = new OnlineForecaster({ ...FAST, coldStartRows: 30, trainRows: 30, epochs: 1, maxTrainPerUpdate: 2 });
    for (let i = 0; i < 30; i++) for (const name of ['a', 'b', 'c']) f.observe(name, i * 1000, Math.sin(i / 3), 1000);
    await f.update();
    expect(f.modelCount).toBe(2);
    await f.update();
    expect(f.modelCount).toBe(3);
    expect(f.trainings).toBe(3);
  }, 60_000);

  it('the backtest and the service make the same forecasts, selection and retrains included, however the rows are batched', async () => {
    // The same seeds: the rolling backtest and the online forecaster fed in uneven batches, whose
    // edges fall inside the cold start (row 200) and both retrains (280, 360), must agree origin
    // for origin, and each origin must be forecast by the model the backtest used there.
    const o = { ...(await import('./options.js')).DEFAULT_FORECASTER, ...FAST, coldStartRows: 200, retrainEveryRows: 80, trainRows: 200, epochs: 3, selectionMinScored: 4, selectionHalfLife: 20 };
    const values = noisySine(400, 7);
    const f = new OnlineForecaster(o);
    const online = new Map<number, { median: number[]; version: number }>();
    let i = 0;
    for (const size of [150, 70, 1, 7, 30, 60, 1, 1, 80]) {
      for (const end = Math.min(values.length, i + size); i < end; i++) f.observe('s', i * 1000, values[i]!, 1000);
      for (const x of await f.update()) online.set(x.time / 1000, { median: x.forecast.median, version: x.modelVersion });
    }
    expect(i).toBe(400);
    const origins = Array.from({ length: 200 }, (_, n) => 199 + n);
    const [rolling] = await rollingForecasts([{ values, stepMs: 1000, origins, seed: seriesSeed(o.seed, 's', 0) }], o);
    origins.forEach((t, n) => expect(online.get(t)?.median, `origin ${t}`).toEqual(rolling![n]!.median));
    // Forecasts from the last row the first model saw (199) on, none from the rows before it;
    // each retrained model from the last row it trained on.
    expect(Math.min(...online.keys())).toBe(199);
    expect(online.size).toBe(400 - 199);
    expect([online.get(278)?.version, online.get(279)?.version, online.get(358)?.version, online.get(359)?.version]).toEqual([1, 2, 2, 3]);
  }, 60_000);
});
