import { describe, expect, it } from 'vitest';
import { WindowedSeries } from './windowed-series.js';

describe('WindowedSeries', () => {
  it('keeps count, sum and sum of squares per trailing window (now - w, now]', () => {
    const s = new WindowedSeries([10, 100]);
    s.add(0, 1);
    s.add(5, 2);
    s.add(50, 3);
    s.advance(50);
    // Window 10 holds only t=50; window 100 holds all three.
    expect(s.count).toEqual([1, 3]);
    expect(s.sum).toEqual([3, 6]);
    expect(s.sumSq).toEqual([9, 14]);
    s.advance(105); // t=5 is exactly 100 old: out of (5, 105]
    expect(s.count).toEqual([0, 1]);
    expect(s.sum).toEqual([0, 3]);
  });

  it('forgets everything older than its longest window and can be restored from its events', () => {
    const s = new WindowedSeries([10, 100]);
    for (let t = 0; t < 1000; t++) s.add(t, t % 7);
    s.advance(999);
    expect(s.size).toBe(100);
    const { times, values } = s.events();
    const copy = WindowedSeries.restore([10, 100], times, values, 999);
    expect(copy.count).toEqual(s.count);
    expect(copy.sum).toEqual(s.sum);
  });

  it('finds the oldest retained event with a value, ignoring those out of the longest window', () => {
    const s = new WindowedSeries([10, 100]);
    s.add(0, 1);
    s.add(5, 0);
    s.add(50, 1);
    s.advance(60);
    expect(s.firstTimeOf(1)).toBe(0);
    expect(s.firstTimeOf(0)).toBe(5);
    expect(s.firstTimeOf(2)).toBeUndefined();
    s.advance(120);
    expect(s.firstTimeOf(1)).toBe(50);
    expect(s.firstTimeOf(0)).toBeUndefined();
  });

  it('rejects events that go back in time', () => {
    const s = new WindowedSeries([10]);
    s.add(5, 1);
    expect(() => s.add(4, 1)).toThrow(/older/);
  });
});
