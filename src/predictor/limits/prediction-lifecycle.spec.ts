import { describe, expect, it } from 'vitest';
import type { Forecast } from '../forecast/series-model.js';
import { crossing, exceedance } from './breach.js';
import { limitsFor, parseLimitRules, type LimitRule } from './limit-rules.js';
import { PredictionTracker } from './prediction-tracker.js';

const Q = { low: 0.1, high: 0.9 };
const DISK: LimitRule = { name: 'disk-full', metric: 'disk_used_ratio', op: '>', value: 0.95, labels: {} };

/** A straight-line forecast from `from`, `slope` per step, band ± spread. */
function line(from: number, slope: number, spread: number, h = 6): Forecast {
  const median = Array.from({ length: h }, (_, k) => from + slope * (k + 1));
  return { median, low: median.map((m) => m - spread), high: median.map((m) => m + spread) };
}

describe('limits', () => {
  it('reads rules and matches by metric and labels', () => {
    const rules = parseLimitRules([
      {
        file: 'limits.yaml',
        text: `limits:
  - { name: disk-full, metric: disk_used_ratio, op: ">", value: 0.95 }
  - { name: checkout-slo, metric: latency_p99_seconds, op: ">", value: 0.3, labels: { service: checkout } }
`,
      },
    ]);
    expect(limitsFor(rules, 'disk_used_ratio').map((r) => r.name)).toEqual(['disk-full']);
    expect(limitsFor(rules, 'latency_p99_seconds', { service: 'search' })).toEqual([]);
    expect(limitsFor(rules, 'latency_p99_seconds', { service: 'checkout', env: 'prod' }).map((r) => r.name)).toEqual(['checkout-slo']);
  });

  it('rejects a rule with a bad op, naming the file and the rule', () => {
    expect(() => parseLimitRules([{ file: 'x.yaml', text: 'limits:\n  - { name: a, metric: m, op: "=>", value: 1 }\n' }])).toThrow(/x.yaml:2:5: limits\[0\]: op must be one of/);
  });

  it('the band crossing: when, and how likely', () => {
    // Median reaches 0.96 at step 4; the upper band (0.02 above) crosses at step 3.
    const c = crossing(line(0.9, 0.015, 0.02), DISK, Q)!;
    expect(c.stepsAhead).toBe(4);
    expect(c.probability).toBeGreaterThan(0.5);
    // Nowhere near: no crossing.
    expect(crossing(line(0.5, 0.001, 0.02), DISK, Q)).toBeUndefined();
    // The limit exactly on the band's upper edge has probability 1 - 0.9.
    expect(exceedance(0.9, 0.93, 0.95, 0.95, true, Q)).toBeCloseTo(0.1, 3);
    expect(exceedance(0.9, 0.95, 0.97, 0.95, true, Q)).toBeCloseTo(0.5, 6);
  });
});

describe('prediction lifecycle', () => {
  it('issues once, updates only on a material change, withdraws after the condition has gone for clearSteps', () => {
    const tracker = new PredictionTracker({ clearSteps: 2, probabilityChange: 0.1, breachShiftSteps: 3 });
    const step = 60_000;
    const at = (i: number) => i * step;
    const key = 'host-1\u0000disk_used_ratio\u0000disk-full';
    const issued = tracker.observe(key, at(0), step, { stepsAhead: 5, probability: 0.3 })!;
    expect(issued.status).toBe('issued');
    expect(issued.expectedBreachAt).toBe(at(5));
    // Same breach time, about the same probability: nothing new to say.
    expect(tracker.observe(key, at(1), step, { stepsAhead: 4, probability: 0.35 })).toBeUndefined();
    // Now much more likely: one update, same id.
    const updated = tracker.observe(key, at(2), step, { stepsAhead: 3, probability: 0.8 })!;
    expect(updated).toMatchObject({ status: 'updated', id: issued.id, expectedBreachAt: at(5), probability: 0.8 });
    // Breach now expected much later: an update.
    expect(tracker.observe(key, at(3), step, { stepsAhead: 6, probability: 0.8 })?.status).toBe('updated');
    // Expected at step 9; at step 9 and after, the breach is under way: its time rolling forward is not news.
    expect(tracker.observe(key, at(9), step, { stepsAhead: 1, probability: 0.8 })).toBeUndefined();
    expect(tracker.observe(key, at(12), step, { stepsAhead: 1, probability: 0.8 })).toBeUndefined();
    // Gone for one step: still open (hysteresis); it comes back: the quiet count restarts.
    expect(tracker.observe(key, at(13), step, undefined)).toBeUndefined();
    expect(tracker.observe(key, at(14), step, { stepsAhead: 1, probability: 0.8 })).toBeUndefined();
    expect(tracker.observe(key, at(15), step, undefined)).toBeUndefined();
    const withdrawn = tracker.observe(key, at(16), step, undefined)!;
    expect(withdrawn).toMatchObject({ status: 'withdrawn', id: issued.id });
    expect(tracker.isOpen(key)).toBe(false);
    // A new crossing later is a new prediction with a new id.
    const again = tracker.observe(key, at(20), step, { stepsAhead: 2, probability: 0.6 })!;
    expect(again.status).toBe('issued');
    expect(again.id).not.toBe(issued.id);
  });

  it('a crossing below minProbability issues nothing', () => {
    const tracker = new PredictionTracker({ minProbability: 0.5 });
    expect(tracker.observe('k', 0, 1000, { stepsAhead: 2, probability: 0.2 })).toBeUndefined();
    expect(tracker.observe('k', 1000, 1000, { stepsAhead: 2, probability: 0.7 })?.status).toBe('issued');
  });
});
