import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../platform/ml/backend.js';
import { CHANNELS, restingValue } from './features.js';
import type { LstmWeights } from './lstm.js';
import { DEFAULT_FORECASTER } from './options.js';
import { forecastSeries, type SeriesModel } from './series-model.js';

const W = 4;
const H = 2;

/** A model whose median is always `move` scales from the origin, its band ±1 scale (about) around it. */
function constantModel(move: number, rest: number | undefined): SeriesModel {
  const u = 2;
  const bo = new Float32Array(3 * H);
  bo.fill(move, 0, H);
  bo.fill(0.5413, H); // softplus(0.5413) ≈ 1
  const weights: LstmWeights = {
    channels: CHANNELS,
    units: u,
    horizon: H,
    wx: new Float32Array(CHANNELS * 4 * u),
    wh: new Float32Array(u * 4 * u),
    b: new Float32Array(4 * u),
    wo: new Float32Array(u * 3 * H),
    bo,
    wl: new Float32Array(W * CHANNELS * H),
  };
  return { weights, spec: { window: W, horizon: H, season: 0, scale: 1, ...(rest !== undefined ? { rest } : {}) }, version: 1 };
}

describe('series model forecasts', () => {
  beforeAll(async () => {
    await initBackend(() => {});
  });

  it('finds the value a series rests at only when it holds a large share of the rows', () => {
    expect(restingValue([0, 0, 3, 0, 5, 0, 0, 2, 0, 0], 0, 10, 0.2)).toBe(0);
    expect(restingValue([1, 2, 3, 4, 5, 6, 7, 8, 9, 9], 0, 10, 0.3)).toBeUndefined();
    expect(restingValue([100, 100, 40, 50, 100], 0, 5, 0.5)).toBe(100);
  });

  it('snaps a median within restBand scales of the resting value to it exactly, and keeps it inside the band', () => {
    const o = { window: W, noChangeBand: DEFAULT_FORECASTER.noChangeBand, restBand: 1 };
    const values = [0, 0, 3, 2, 2];
    // From 2, a move of −1.5 scales forecasts 0.5: within 1 of the resting 0, so exactly 0.
    const snapped = forecastSeries([{ model: constantModel(-1.5, 0), values, origins: [4] }], o)[0]![0]!;
    expect(snapped.median).toEqual([0, 0]);
    snapped.median.forEach((m, k) => {
      expect(snapped.low[k]).toBeLessThanOrEqual(m);
      expect(snapped.high[k]).toBeGreaterThanOrEqual(m);
    });
    // Without a resting value, or further from it, the LSTM's median as it is.
    const free = forecastSeries([{ model: constantModel(-1.5, undefined), values, origins: [4] }], o)[0]![0]!;
    free.median.forEach((m) => expect(m).toBeCloseTo(0.5, 5));
    const far = forecastSeries([{ model: constantModel(-0.5, 0), values, origins: [4] }], o)[0]![0]!;
    far.median.forEach((m) => expect(m).toBeCloseTo(1.5, 5));
  });
});
