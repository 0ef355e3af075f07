import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../platform/ml/backend.js';
import { seededRandom } from '../../platform/random.js';
import { DEFAULT_FORECASTER, type ForecasterOptions } from '../forecast/options.js';
import { runForecastEval } from './forecast-eval.js';
import { rollingForecasts } from './rolling.js';

const FAST: ForecasterOptions = { ...DEFAULT_FORECASTER, window: 12, horizon: 4, units: 8, coldStartRows: 100, retrainEveryRows: 100, trainRows: 100, maxSamples: 64, epochs: 2 };
const HOUR = 3_600_000;

/** Hourly values with a daily cycle and noise. */
function daily(n: number): Float64Array {
  const random = seededRandom(9);
  return Float64Array.from({ length: n }, (_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / 24) + random());
}

describe('rolling-origin backtest', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend(() => {});
    dir = await mkdtemp(join(tmpdir(), 'vigil-forecast-eval-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('no look-ahead: rows after an origin change nothing of its forecast', async () => {
    const values = daily(400);
    const changed = Float64Array.from(values, (v, i) => (i >= 250 ? v * 3 + 100 : v));
    const origins = Array.from({ length: 300 }, (_, i) => 99 + i);
    const [a] = await rollingForecasts([{ values, stepMs: HOUR, origins, seed: 1 }], FAST);
    const [b] = await rollingForecasts([{ values: changed, stepMs: HOUR, origins, seed: 1 }], FAST);
    origins.forEach((t, n) => {
      // Origins up to 249 see only unchanged rows (and models trained on them): identical forecasts.
      if (t < 250) expect(b![n]).toEqual(a![n]);
    });
    // ... and the change does reach the forecasts from origins after it.
    expect(b![origins.indexOf(300)]).not.toEqual(a![origins.indexOf(300)]);
    // The first model exists from the last row it saw (row 99) on.
    expect(a![0]).toBeDefined();
  }, 60_000);

  it('forecast-eval on a CSV: a daily series gets the seasonal-naive baseline, a flat-noise one the naive', async () => {
    const values = daily(24 * 20);
    const random = seededRandom(4);
    const lines = ['timestamp,load,noise', ...Array.from(values, (v, i) => `${new Date(Date.UTC(2026, 0, 1) + i * HOUR).toISOString()},${v},${random()}`)];
    await writeFile(join(dir, 'hourly.csv'), lines.join('\n'));
    const report = await runForecastEval({ input: dir, originStride: 4, forecaster: FAST });
    expect(report.horizon).toBe(4);
    const load = report.series.find((s) => s.metric === 'load')!;
    const noise = report.series.find((s) => s.metric === 'noise')!;
    expect(load.season).toBe(24);
    expect(noise.season).toBe(0);
    // Origins from max(cold start, 15% of 480 rows = 72) = 100 to 480 - 4 - 1, every 4th.
    expect(load.origins).toBe(Math.floor((480 - 4 - 1 - 100) / 4) + 1);
    for (const s of report.series) {
      expect(Number.isFinite(s.lstm.mase) && Number.isFinite(s.seasonalNaive.smape)).toBe(true);
    }
    expect(report.overall.lstm.mase).toBeCloseTo((load.lstm.mase + noise.lstm.mase) / 2, 10);
  }, 60_000);
});
