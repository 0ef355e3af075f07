import { describe, expect, it } from 'vitest';
import { StepAligner } from './step-aligner.js';

/** A sample of series `series` (the aligner takes any key; the services pass `seriesKey`s). */
const s = (series: string, timestamp: number, value: number, entity = 'h1') => ({ entity, series, timestamp, value });

describe('StepAligner', () => {
  it('closes a step once a sample one step later arrives (the watermark), with a fixed series order and NaN for missing', () => {
    const a = new StepAligner({ stepMs: 1000 });
    a.add(s('cpu', 0, 1));
    a.add(s('mem', 10, 2));
    a.add(s('cpu', 1000, 3)); // step 1000 opens; step 0 closes, held: an entity's first step may be partial
    expect(a.drain()).toEqual([]);
    a.add(s('cpu', 2500, 4)); // closes step 1000 (mem missing): the order is fixed, both are handed over
    const [first, step] = a.drain();
    expect(first).toMatchObject({ entity: 'h1', time: 0, values: [1, 2], series: ['cpu', 'mem'], samples: 2 });
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
    a.add(s('mem', 2100, 11));
    expect(a.drain().map((x) => [x.time, x.values])).toEqual([
      [0, [2, 1]], // mem first: it arrived first
      [1000, [NaN, 10]],
    ]);

    // Across steps, with an allowance: steps close in time order whatever the arrival order.
    const b = new StepAligner({ stepMs: 1000, latenessMs: 1000 });
    b.add(s('mem', 1500, 20));
    b.add(s('cpu', 500, 1)); // 1 s behind the latest sample: step 0 is still open
    b.add(s('mem', 700, 2));
    b.add(s('cpu', 1200, 10));
    b.add(s('cpu', 2000, 30)); // 2000 >= 0 + 1000 + 1000: step 0 closes (held: the first)
    expect(b.drain()).toEqual([]);
    b.add(s('cpu', 3100, 40));
    expect(b.drain().map((x) => [x.time, x.values])).toEqual([
      [0, [2, 1]],
      [1000, [20, 10]],
    ]);
    expect(b.dropped.late).toBe(0);
  });

  it('drops and counts samples for a closed step (late), and series new after the second closed step', () => {
    const a = new StepAligner({ stepMs: 1000 });
    a.add(s('cpu', 0, 1));
    a.add(s('cpu', 1000, 2));
    expect(a.drain()).toEqual([]); // the first closed step waits for the second
    expect(a.add(s('mem', 999, 5))).toBe(false); // step 0 closed
    expect(a.dropped.late).toBe(1);
    expect(a.add(s('mem', 1100, 6))).toBe(true); // the first step may have been partial: mem is still taken
    a.add(s('cpu', 2000, 3)); // closes step 1000: the order is fixed
    expect(a.drain().map((x) => [x.time, x.values])).toEqual([
      [0, [1, NaN]],
      [1000, [2, 6]],
    ]);
    expect(a.add(s('disk', 2100, 5))).toBe(false);
    expect(a.dropped.new_series).toBe(1);
    a.add(s('cpu', 4000, 4)); // closes step 2000
    expect(a.add(s('cpu', 2900, 9))).toBe(false);
    a.add(s('cpu', 6000, 5)); // closes step 4000
    // A step behind the watermark that never had a sample is late too (it will never be scored).
    expect(a.add(s('cpu', 5200, 9))).toBe(false);
    expect(a.dropped.late).toBe(3);
    expect(a.drain().map((x) => [x.time, x.values])).toEqual([
      [2000, [3, NaN]],
      [4000, [4, NaN]],
    ]);
  });

  it('a restart inside a step: the partial first step does not fix the series order; a seeded order wins', () => {
    // Resumed after the commit of cpu and mem of step 0: only disk of it comes again.
    const a = new StepAligner({ stepMs: 1000 });
    a.add(s('disk', 0, 3));
    for (const t of [1000, 2000]) for (const [i, m] of ['cpu', 'mem', 'disk'].entries()) a.add(s(m, t, i));
    expect(a.dropped.new_series).toBe(0);
    expect(a.seriesOf('h1')).toEqual(['disk', 'cpu', 'mem']);
    expect(a.drain().map((x) => [x.time, x.values])).toEqual([
      [0, [3, NaN, NaN]],
      [1000, [2, 0, 1]],
    ]);
    // With the order a stored model was trained on, the same resumption keeps it.
    const b = new StepAligner({ stepMs: 1000 });
    b.seed('h1', ['cpu', 'mem', 'disk']);
    b.add(s('disk', 0, 3));
    for (const t of [1000, 2000]) for (const [i, m] of ['cpu', 'mem', 'disk'].entries()) b.add(s(m, t, i));
    expect(b.seriesOf('h1')).toEqual(['cpu', 'mem', 'disk']);
    expect(b.drain().map((x) => [x.time, x.values])).toEqual([
      [0, [NaN, NaN, 3]],
      [1000, [0, 1, 2]],
    ]);
  });

  it('keeps steps open for DETECTOR_LATENESS_MS past their end', () => {
    const a = new StepAligner({ stepMs: 1000, latenessMs: 2000 });
    a.add(s('cpu', 0, 1));
    a.add(s('cpu', 1000, 2));
    a.add(s('cpu', 2000, 3));
    expect(a.drain()).toEqual([]);
    a.add(s('mem', 100, 7)); // 2.1 s late, within the allowance
    a.add(s('cpu', 3000, 4)); // 3000 >= 0 + 1000 + 2000: step 0 closes (held: the first)
    a.add(s('cpu', 4000, 5)); // step 1000 closes
    expect(a.drain().map((x) => [x.time, x.values])).toEqual([
      [0, [1, 7]],
      [1000, [2, NaN]],
    ]);
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
    a.add(s('x', 20, 3, 'a'));
    expect(a.drain()).toMatchObject([
      { entity: 'a', time: 0, values: [1] },
      { entity: 'a', time: 10, values: [2] },
    ]);
  });

  it('gives each series a slot of its own, up to maxSeries per entity; the rest are dropped, never put in another slot', () => {
    const a = new StepAligner({ stepMs: 1000, maxSeries: 3 });
    const cpu = (n: number, mode: string) => `node_cpu_seconds_total{cpu="${n}",mode="${mode}"}`;
    const keys = [cpu(0, 'idle'), cpu(0, 'user'), cpu(1, 'idle'), cpu(1, 'user')];
    for (const t of [0, 1000, 2000]) keys.forEach((k, i) => expect(a.add(s(k, t, t / 1000 + i))).toBe(i < 3));
    expect(a.dropped.series_cap).toBe(3);
    expect(a.seriesOf('h1')).toEqual(keys.slice(0, 3));
    expect(a.drain().map((x) => [x.time, x.values])).toEqual([
      [0, [0, 1, 2]],
      [1000, [1, 2, 3]],
    ]);
    // Another entity has its own cap; a seeded order counts towards it.
    a.seed('h2', [cpu(1, 'user'), cpu(0, 'idle'), cpu(0, 'user')]);
    expect(a.add(s(cpu(1, 'idle'), 0, 1, 'h2'))).toBe(false);
    expect(a.add(s(cpu(0, 'user'), 0, 1, 'h2'))).toBe(true);
    expect(a.dropped.series_cap).toBe(4);
    expect(() => new StepAligner({ maxSeries: 0 })).toThrow('maxSeries must be >= 1');
  });
});
