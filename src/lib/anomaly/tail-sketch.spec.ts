import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../platform/random.js';
import { ExactTail, TailSketch } from './tail-sketch.js';

const OPTIONS = { minValues: 100, tailFraction: 0.02 };

function exponential(random: () => number): number {
  return -Math.log(random() || 1e-12);
}

describe('TailSketch', () => {
  it('says nothing before minValues values', () => {
    const sketch = new TailSketch(OPTIONS);
    for (let i = 0; i < 99; i++) sketch.add(i);
    expect(sketch.survival(1e9)).toBe(1);
    sketch.add(99);
    expect(sketch.survival(1e9)).toBeLessThan(0.01);
  });

  it('agrees with the exact history on unordered data: ranks among the peaks, then the fitted tail', () => {
    const random = seededRandom(3);
    const sketch = new TailSketch(OPTIONS);
    const exact = new ExactTail(OPTIONS, 16 * 250);
    for (let i = 0; i < 20_000; i++) {
      const v = exponential(random);
      sketch.add(v);
      exact.add(v);
    }
    for (const v of [2.5, 3, 4, 5, 6]) expect(Math.abs(Math.log10(sketch.survival(v)) - Math.log10(exact.survival(v)))).toBeLessThan(0.15);
    // An exponential tail: P(X >= 12) = e^-12 ≈ 6e-6, beyond anything in 4,000 values.
    expect(sketch.survival(12)).toBeLessThan(1e-4);
    expect(sketch.survival(12)).toBeGreaterThan(1e-8);
    // A common value's exact rank is not kept, and it does not need to be: it is not rare.
    expect(sketch.survival(0.01)).toBeGreaterThanOrEqual(0.05);
  });

  it('forgets: a peak older than its blocks no longer makes a large value look ordinary', () => {
    const random = seededRandom(4);
    const sketch = new TailSketch(OPTIONS, 4, 250, 48);
    sketch.add(40);
    for (let i = 0; i < 999; i++) sketch.add(exponential(random));
    const remembered = sketch.survival(39);
    for (let i = 0; i < 1000; i++) sketch.add(exponential(random));
    expect(sketch.size).toBe(1000);
    expect(sketch.survival(39)).toBeLessThan(remembered / 1e6);
  });

  it('a statistic whose peaks are all the same: anything above them is as rare as a value beyond all', () => {
    const sketch = new TailSketch(OPTIONS);
    const random = seededRandom(5);
    for (let i = 0; i < 2000; i++) sketch.add(random() < 0.05 ? 1 : 0);
    expect(sketch.survival(2)).toBeCloseTo((51 / 2001) * (1 / 2001), 12);
  });
});
