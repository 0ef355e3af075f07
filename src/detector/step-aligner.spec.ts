import { describe, expect, it } from 'vitest';
import { StepAligner } from './step-aligner.js';

const s = (metric: string, timestamp: number, value: number, entity = 'h1') => ({ entity, metric, timestamp, value });

describe('StepAligner', () => {
  it('closes a step once a sample one step later arrives (the watermark), with a fixed metric order and NaN for missing', () => {
    const a = new StepAligner({ stepMs: 1000 });
    a.add(s('cpu', 0, 1));
    a.add(s('mem', 10, 2));
    a.add(s('cpu', 1000, 3)); // step 1000 opens; step 0 closes
    expect(a.drain()).toMatchObject([{ entity: 'h1', time: 0, values: [1, 2], metrics: ['cpu', 'mem'], samples: 2 }]);
    a.add(s('cpu', 2500, 4)); // closes step 1000: mem missing
    const [step] = a.drain();
    expect(step!.time).toBe(1000);
    expect(step!.values[0]).toBe(3);
    expect(step!.values[1]).toBeNaN();
    expect(a.drain()).toEqual([]);
  });

  it('accepts out-of-order samples while their step is open, in the order the step fixes', () => {
    const a = new StepAligner({ stepMs: 1000 });
    a.add(s('mem', 700, 2));
    a.add(s('cpu', 300, 1)); // earlier, same open step
    expect(a.drain()).toEqual([]);
    a.add(s('cpu', 1500, 10));
    expect(a.drain().map((x) => [x.time, x.values])).toEqual([[0, [2, 1]]]); // mem first: it arrived first

    // Across steps, with an allowance: steps close in time order whatever the arrival order.
    const b = new StepAligner({ stepMs: 1000, latenessMs: 1000 });
    b.add(s('mem', 1500, 20));
    b.add(s('cpu', 500, 1)); // 1 s behind the latest sample: step 0 is still open
    b.add(s('mem', 700, 2));
    b.add(s('cpu', 1200, 10));
    b.add(s('cpu', 2000, 30)); // 2000 >= 0 + 1000 + 1000: step 0 closes
    expect(b.drain().map((x) => [x.time, x.values])).toEqual([[0, [2, 1]]]);
    b.add(s('cpu', 3100, 40));
    expect(b.drain().map((x) => [x.time, x.values])).toEqual([[1000, [20, 10]]]);
    expect(b.dropped.late).toBe(0);
  });

  it('drops and counts samples for a closed step (late), and metrics new after the first closed step', () => {
    const a = new StepAligner({ stepMs: 1000 });
    a.add(s('cpu', 0, 1));
    a.add(s('cpu', 1000, 2));
    expect(a.drain()).toHaveLength(1);
    expect(a.add(s('mem', 999, 5))).toBe(false); // step 0 closed
    expect(a.dropped.late).toBe(1);
    expect(a.add(s('disk', 1100, 5))).toBe(false); // order fixed after the first closed step
    expect(a.dropped.new_metric).toBe(1);
    a.add(s('cpu', 3000, 3)); // closes step 1000
    expect(a.add(s('cpu', 1900, 9))).toBe(false);
    a.add(s('cpu', 5000, 4)); // closes step 3000
    // A step behind the watermark that never had a sample is late too (it will never be scored).
    expect(a.add(s('cpu', 4200, 9))).toBe(false);
    expect(a.dropped.late).toBe(3);
    expect(a.drain().map((x) => [x.time, x.values])).toEqual([
      [1000, [2]],
      [3000, [3]],
    ]);
  });

  it('keeps steps open for DETECTOR_LATENESS_MS past their end', () => {
    const a = new StepAligner({ stepMs: 1000, latenessMs: 2000 });
    a.add(s('cpu', 0, 1));
    a.add(s('cpu', 1000, 2));
    a.add(s('cpu', 2000, 3));
    expect(a.drain()).toEqual([]);
    a.add(s('mem', 100, 7)); // 2.1 s late, within the allowance
    a.add(s('cpu', 3000, 4)); // 3000 >= 0 + 1000 + 2000: step 0 closes
    expect(a.drain().map((x) => [x.time, x.values])).toEqual([[0, [1, 7]]]);
    expect(a.dropped.late).toBe(0);
  });

  it('infers the step from the smallest gap between the first distinct timestamps, per entity', () => {
    const a = new StepAligner();
    a.add(s('cpu', 600_000, 2));
    a.add(s('cpu', 0, 1)); // out of order before the step is known: not late
    a.add(s('cpu', 300_000, 5));
    a.add(s('cpu', 60_000, 7, 'h2'));
    expect(a.stepOf('h1')).toBe(300_000);
    expect(a.stepOf('h2')).toBeUndefined();
    expect(a.drain().map((x) => [x.time, x.values])).toEqual([
      [0, [1]],
      [300_000, [5]],
    ]);
    expect(a.dropped.late).toBe(0);
    expect(a.openSamples()).toBe(2);
  });

  it('a redelivered sample changes nothing; entities are independent', () => {
    const a = new StepAligner({ stepMs: 10 });
    a.add(s('x', 0, 1, 'a'));
    a.add(s('x', 0, 1, 'a'));
    a.add(s('x', 100, 1, 'b')); // another entity's clock does not close a's steps
    expect(a.drain()).toEqual([]);
    a.add(s('x', 10, 2, 'a'));
    expect(a.drain()).toMatchObject([{ entity: 'a', time: 0, values: [1] }]);
  });
});
