import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../platform/random.js';
import { SortedWindow } from './sorted-window.js';
import { TailModel } from './tail-model.js';

describe('SortedWindow', () => {
  it('keeps the last values sorted and evicts the oldest', () => {
    const w = new SortedWindow(4);
    for (const v of [5, 1, 4, 2, 3]) w.add(v); // 5 is evicted
    expect([0, 1, 2, 3].map((k) => w.at(k))).toEqual([1, 2, 3, 4]);
    expect(w.median()).toBe(2);
    expect(w.countAtLeast(3)).toBe(2);
  });
});

describe('TailModel', () => {
  // Unit exponential data: P(X >= x) = e^-x, so the fitted GPD tail should say about that.
  const random = seededRandom(3);
  const model = new TailModel(4000, 0.02, 10);
  for (let i = 0; i < 4000; i++) model.add(-Math.log(1 - random()));

  it('is empirical in the body of the distribution', () => {
    expect(model.survival(1)).toBeCloseTo(Math.exp(-1), 1);
  });

  it('extrapolates beyond the largest value seen with the fitted tail', () => {
    // e^-12 ≈ 6e-6: far beyond 4000 samples, within an order of magnitude.
    const p = model.survival(12);
    expect(p).toBeGreaterThan(6e-7);
    expect(p).toBeLessThan(6e-5);
    expect(model.survival(20)).toBeLessThan(p);
  });

  it('gives the alarm level for a risk (SPOT z_q) consistent with the survival function', () => {
    const z = model.quantileFor(1e-4);
    expect(model.survival(z)).toBeCloseTo(1e-4, 5);
    expect(z).toBeGreaterThan(7);
    expect(z).toBeLessThan(11);
  });

  it('reports no evidence before it has seen enough values', () => {
    const young = new TailModel(100, 0.02, 10);
    young.add(1);
    expect(young.survival(100)).toBe(1);
  });
});

describe('SortedWindow under churn', () => {
  it('matches a plain sort of the last values', () => {
    const random = seededRandom(11);
    const w = new SortedWindow(50);
    const all: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const v = Math.fround(Math.floor(random() * 20) / 4); // many ties
      w.add(v);
      all.push(v);
      if (i % 97 === 0 || i === 1999) {
        const expected = all.slice(-50).sort((a, b) => a - b);
        expect(Array.from({ length: expected.length }, (_, k) => w.at(k))).toEqual(expected);
      }
    }
  });
});
