// Scores that mean the same on every series: on long stationary series of very different
// shapes, the share of rows whose tail probability falls below p is about p, and alarms at the
// default level (p < 1e-4) are about as rare on each — so one alarm level serves a fleet.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../platform/random.js';
import { Detector } from './detector.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5);
const ROWS = 30_000;
/** Rows left out at the start: the first ones are judged against very little. */
const SETTLE = 1_000;

const normal = (r: () => number) => Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
const SHAPES: Record<string, (r: () => number, i: number) => number> = {
  'gaussian gauge': (r) => 50 + 5 * normal(r),
  'pareto request counts': (r) => Math.round(100 / Math.pow(r() || 1e-12, 1 / 2.5)),
  'poisson error counts (mean 3)': (r) => {
    let k = 0;
    let p = Math.exp(-3);
    let s = p;
    const u = r();
    while (u > s) p *= 3 / ++k, (s += p);
    return k;
  },
  'bimodal (idle or busy)': (r) => (r() < 0.3 ? 80 : 20) + 3 * r(),
  'lognormal latency': (r) => Math.exp(2 + 1.2 * normal(r)),
  'cpu with a spike every 47 rows': (r, i) => 15 + 3 * r() + (i % 47 === 0 ? 40 + 30 * r() : 0),
};

describe('calibration', () => {
  for (const [name, draw] of Object.entries(SHAPES)) {
    it(`${name}: P(p < 0.01) ≈ 0.01, P(p < 0.001) ≈ 0.001, alarms at p < 1e-4 as rare as that`, () => {
      const random = seededRandom(name.length);
      const detector = new Detector();
      for (let i = 0; i < ROWS; i++) detector.observe('e', { time: T0 + i * MIN, values: [draw(random, i)] });
      const results = detector.scoreDue()[0]!.results.slice(SETTLE);
      const share = (p: number) => results.filter((r) => r.pValue < p).length / results.length;
      expect(share(1e-2) / 1e-2).toBeGreaterThan(0.5);
      expect(share(1e-2) / 1e-2).toBeLessThan(1.5);
      expect(share(1e-3) / 1e-3).toBeLessThan(2.5);
      // 29,000 rows at p < 1e-4 make 2.9 expected alarming rows if rows were independent.
      expect(results.filter((r) => r.score >= r.threshold).length).toBeLessThanOrEqual(6);
    });
  }
});
