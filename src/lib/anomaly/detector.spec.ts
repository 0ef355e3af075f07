import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../platform/random.js';
import { Detector } from './detector.js';
import type { ScoreResult } from './types.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5);

/** Three series of an entity: a daily cycle, a counter-like ramp, a noisy gauge with a fault. */
function rows(n: number, seed = 1): { time: number; values: number[] }[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => ({
    time: T0 + i * 5 * MIN,
    values: [100 + 20 * Math.sin((2 * Math.PI * i) / 288) + 3 * random(), (i % 50) + random(), 10 + random() + (i >= n - 200 && i < n - 150 ? 6 : 0)],
  }));
}

function scoreAll(detector: Detector, entity: string, list: { time: number; values: number[] }[], chunk: number): ScoreResult[] {
  const out: ScoreResult[] = [];
  for (let s = 0; s < list.length; s += chunk) {
    for (const row of list.slice(s, s + chunk)) detector.observe(entity, row);
    out.push(...detector.scoreDue().flatMap((e) => e.results));
  }
  return out;
}

describe('Detector', () => {
  it('gives the same scores however the rows are batched', () => {
    const list = rows(3000);
    const one = scoreAll(new Detector(), 'h', list, list.length);
    const small = scoreAll(new Detector(), 'h', list, 7);
    expect(small).toEqual(one);
    expect(one.some((r) => r.score >= r.threshold)).toBe(true);
  });

  it('a snapshot taken mid-stream and restored in another detector scores the rest exactly as the original', () => {
    const list = rows(12 * 288 + 500);
    // While the day-and-week track shares the say with the daily one (it reports from about row
    // 2116 for 12 hours), and after it judges alone.
    for (const cut of [7 * 288 + 150, 9 * 288 + 17]) {
      const original = new Detector();
      scoreAll(original, 'h', list.slice(0, cut), 64);
      const bytes = original.snapshot('h')!;
      const moved = new Detector();
      moved.restore('h', bytes);
      const a = scoreAll(original, 'h', list.slice(cut), 64);
      const b = scoreAll(moved, 'h', list.slice(cut), 64);
      expect(b).toEqual(a);
      expect(moved.rowsOf('h')).toBe(list.length);
      // A few KB a series, not hundreds.
      expect(bytes.length / 3).toBeLessThan(32 * 1024);
      expect(original.memoryBytes('h')! / 3).toBeLessThan(32 * 1024);
    }
  });

  it('refuses a snapshot that is not one, and one of another entity', () => {
    const d = new Detector();
    scoreAll(d, 'h', rows(400), 400);
    const bytes = d.snapshot('h')!;
    expect(() => new Detector().restore('other', bytes)).toThrow(/snapshot of h/);
    expect(() => new Detector().restore('h', bytes.subarray(0, bytes.length - 5))).toThrow(/truncated|trailing/);
    expect(() => new Detector().restore('h', Uint8Array.from([9, 0, 0]))).toThrow(/format/);
  });

  it('has no snapshot while rows are queued (they have not been scored)', () => {
    const d = new Detector();
    d.observe('h', { time: T0, values: [1] });
    expect(d.snapshot('h')).toBeUndefined();
    d.scoreDue();
    expect(d.snapshot('h')).toBeInstanceOf(Uint8Array);
  });

  it('feedback moves the alarm level now and for an entity not seen yet; the snapshot carries it', () => {
    const d = new Detector();
    scoreAll(d, 'h', rows(200), 200);
    const before = d.threshold('h')!;
    d.feedback('h', 'false_positive');
    expect(d.threshold('h')!).toBeGreaterThan(before);
    d.feedback('later', 'missed_anomaly');
    scoreAll(d, 'later', rows(10), 10);
    expect(d.threshold('later')!).toBeLessThan(before);
    const moved = new Detector();
    moved.restore('h', d.snapshot('h')!);
    expect(moved.threshold('h')).toBe(d.threshold('h'));
  });

  it('rejects a row with another number of series, and forgets idle entities', () => {
    const d = new Detector();
    d.observe('h', { time: T0, values: [1, 2] });
    expect(() => d.observe('h', { time: T0 + MIN, values: [1] })).toThrow(/expected 2 series/);
    d.scoreDue();
    d.observe('busy', { time: T0 + 10 * MIN, values: [1] });
    d.scoreDue();
    expect(d.dropIdle(T0 + 10 * MIN, 5 * MIN)).toEqual(['h']);
    expect(d.entityIds()).toEqual(['busy']);
  });

  it('validates its options', () => {
    expect(() => new Detector({ alarmRisk: 0 })).toThrow(/alarmRisk/);
    expect(() => new Detector({ shiftRows: 0 })).toThrow(/shiftRows/);
    expect(() => new Detector({ suppressFactor: 2 })).toThrow(/suppressFactor/);
  });
});
