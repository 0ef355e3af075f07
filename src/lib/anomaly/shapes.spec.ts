// What real ops series look like, one synthetic case each: the injected fault is flagged at the
// detector's own alarm level (score >= threshold, p < 1e-4) soon after it starts, and the
// shape's ordinary behaviour does not alarm — at most once in several thousand ordinary rows,
// which is what a calibrated p < 1e-4 allows (calibration.spec.ts measures that rate). Every
// case failed with the detector this one replaced (its scores and alarm rule on the same series).
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../platform/random.js';
import { Detector } from './detector.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5); // a Monday

function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
}

/** Rows (after warm-up) whose score reached the alarm level. */
function alarms(times: readonly number[], values: readonly number[]): number[] {
  const detector = new Detector();
  for (let i = 0; i < values.length; i++) detector.observe('e', { time: times[i]!, values: [values[i]!] });
  const results = detector.scoreDue()[0]!.results;
  return results.flatMap((r, i) => (r.score >= r.threshold ? [i] : []));
}

function expectFlagged(found: number[], fault: number, within: number): void {
  const hit = found.find((i) => i >= fault && i < fault + within);
  expect(hit, `no alarm in rows ${fault}..${fault + within} (alarms at ${found.join(', ') || 'none'})`).toBeDefined();
}

function outside(found: number[], from: number, to: number): number[] {
  return found.filter((i) => i < from || i >= to);
}

describe('shapes of real ops series', () => {
  it('a short history (1,500 five-minute rows): a level shift late in the file is flagged, nothing else is', () => {
    const g = gaussian(seededRandom(1));
    const times = Array.from({ length: 1500 }, (_, i) => T0 + i * 5 * MIN);
    const values = times.map((t, i) => 50 + 10 * Math.sin((2 * Math.PI * (t % DAY)) / DAY) + 2 * g() + (i >= 1000 ? 8 : 0));
    const found = alarms(times, values);
    expectFlagged(found, 1000, 12);
    expect(outside(found, 1000, 1300)).toEqual([]);
  });

  it('irregular timestamps and a six-hour gap: no alarm from the gap, a fault after it is flagged', () => {
    const random = seededRandom(2);
    const g = gaussian(random);
    const times: number[] = [];
    let t = T0;
    for (let i = 0; i < 6000; i++) {
      t += MIN + Math.round((random() - 0.5) * 40_000);
      if (i === 3000) t += 6 * HOUR;
      times.push(t);
    }
    const values = times.map((x, i) => 20 + 5 * Math.sin((2 * Math.PI * (x % DAY)) / DAY) + g() + (i >= 5000 && i < 5060 ? 6 : 0));
    const found = alarms(times, values);
    expectFlagged(found, 5000, 12);
    // Nothing in the day after the gap; elsewhere at most the one chance a calibrated detector has.
    expect(found.filter((i) => i >= 3000 && i < 4440)).toEqual([]);
    expect(outside(found, 5000, 5300).length).toBeLessThanOrEqual(1);
  });

  it('an hourly business metric with a weekly pattern: weekends are normal, a holiday on a Wednesday is not', () => {
    const g = gaussian(seededRandom(7));
    const rows = 24 * 7 * 8;
    const holiday = 24 * (7 * 6 + 2);
    const times = Array.from({ length: rows }, (_, i) => T0 + i * HOUR);
    const values = times.map((t, i) => {
      const day = new Date(t).getUTCDay();
      const quiet = day === 0 || day === 6 || (i >= holiday && i < holiday + 24);
      const hour = new Date(t).getUTCHours();
      return (quiet ? 300 : 1000) * (0.5 + 0.5 * Math.max(0, Math.sin((Math.PI * (hour - 6)) / 14))) + 30 * g();
    });
    const found = alarms(times, values);
    expectFlagged(found, holiday, 12);
    // Weeks 2 to 8 hold six ordinary weekends and a Monday after the holiday: none alarms.
    expect(outside(found, holiday, holiday + 48).filter((i) => i >= 24 * 7)).toEqual([]);
  });

  it('a level shift becomes the new normal: one alarm at the step, none in the days after', () => {
    const g = gaussian(seededRandom(4));
    const times = Array.from({ length: 6000 }, (_, i) => T0 + i * MIN);
    const values = times.map((_, i) => 10 + g() + (i >= 2000 ? 5 : 0));
    const found = alarms(times, values);
    expectFlagged(found, 2000, 12);
    expect(found.filter((i) => i >= 2300)).toEqual([]);
  });

  it('spiky CPU: a cron job spiking every few hours is normal after the first few, a sustained saturation is not', () => {
    const random = seededRandom(5);
    const g = gaussian(random);
    const times = Array.from({ length: 8000 }, (_, i) => T0 + i * MIN);
    const values = times.map((_, i) => {
      let x = 15 + 3 * g();
      if (i % 397 < 3) x += 50 + 20 * random();
      if (i >= 6500 && i < 6560) x = 99 + random();
      return Math.max(0, Math.min(100, x));
    });
    const found = alarms(times, values);
    expectFlagged(found, 6500, 12);
    // The job's first spikes may surprise; from the fifth on (row 1588) it is known.
    expect(outside(found, 6500, 6800).filter((i) => i >= 1588)).toEqual([]);
  });

  it('a quantised, mostly flat count: stray ones and a nightly batch of fives are normal, a burst is not', () => {
    const random = seededRandom(6);
    const times = Array.from({ length: 8000 }, (_, i) => T0 + i * MIN);
    const values = times.map((t, i) => {
      if (i >= 7000 && i < 7010) return 20;
      if (new Date(t).getUTCHours() === 2 && new Date(t).getUTCMinutes() < 10) return 5;
      return random() < 0.03 ? 1 : 0;
    });
    const found = alarms(times, values);
    expectFlagged(found, 7000, 12);
    // After the first nights (day 3 starts at row 2880) the batch is expected.
    expect(outside(found, 7000, 7300).filter((i) => i >= 2880)).toEqual([]);
  });

  it('heavy-tailed counts (Pareto): a tenfold rise is flagged, the tail alone alarms no more than its rarity says', () => {
    const random = seededRandom(9);
    const times = Array.from({ length: 20_000 }, (_, i) => T0 + i * MIN);
    const values = times.map((_, i) => Math.round(100 / Math.pow(random() || 1e-12, 1 / 2.5)) * (i >= 15_000 && i < 15_100 ? 10 : 1));
    const found = alarms(times, values);
    expectFlagged(found, 15_000, 20);
    // At p < 1e-4 a calibrated detector may alarm about once in 10,000 ordinary rows.
    expect(outside(found, 15_000, 15_300).length).toBeLessThanOrEqual(3);
  });

  it('the same fault again hours later is flagged again: one incident does not teach the series that incidents are normal', () => {
    // (A fault that keeps coming back becomes a pattern: the fourth one in a few hours may not be.)
    const g = gaussian(seededRandom(10));
    const times = Array.from({ length: 3000 }, (_, i) => T0 + i * MIN);
    const faults = [1000, 1400, 1800];
    const values = times.map((_, i) => 0.12 + 0.01 * g() + (faults.some((f) => i >= f && i < f + 20) ? 0.9 : 0));
    const found = alarms(times, values);
    for (const f of faults) expectFlagged(found, f, 5);
  });

  it('a burst that comes back every day or so, at no fixed hour, becomes normal: clipped learning does not keep it rare for ever', () => {
    // Sixteen days of one-minute CPU shares with a 20-minute saturation every 31 hours (so no
    // time-of-day or time-of-week bin explains it). When the day-and-week reference takes over
    // (day 8) its statistic has seen no burst: the next ones are rare to it. Learned only up to
    // the 1e-3 rarity, they stayed rare burst after burst (rows 15182 and 17051 alarmed); once
    // the rarity has come on two separate days it is learned in full.
    const g = gaussian(seededRandom(11));
    const times = Array.from({ length: 16 * 1440 }, (_, i) => T0 + i * MIN);
    const bursts = Array.from({ length: 13 }, (_, k) => 300 + k * 31 * 60);
    const values = times.map((_, i) => Math.min(1, 0.3 + 0.01 * g() + (bursts.some((b) => i >= b && i < b + 20) ? 0.9 : 0)));
    const found = alarms(times, values);
    expectFlagged(found, bursts[0]!, 5);
    // The weekly track's first two bursts may surprise it; from its third (row 15180) on, none.
    expect(found.filter((i) => i >= bursts[8]!)).toEqual([]);
  });

  it('a gauge that gets stuck at its usual level (an exporter repeating its last value) is flagged, its ordinary repeats are not', () => {
    // Whole numbers around 50: a value repeats now and then for two or three rows. Stuck at 50 it
    // moves no mean, so only how long it repeats can tell: longer than any run before it.
    const g = gaussian(seededRandom(12));
    const times = Array.from({ length: 4000 }, (_, i) => T0 + i * MIN);
    const values = times.map((_, i) => (i >= 3000 && i < 3400 ? 50 : Math.round(50 + 5 * g())));
    const found = alarms(times, values);
    expectFlagged(found, 3000, 200);
    expect(outside(found, 3000, 3500)).toEqual([]);
  });

  it('a nightly one-row CPU spike: nothing when the same-time-of-week reference takes over on day 8', () => {
    // As NAB's ec2_cpu_utilization_24ae8d: a quantised idle CPU, one spike a night at a time that
    // drifts by half an hour. The weekly reference first exists in the afternoon of day 8 and
    // reports 100 rows later, before that night's spike: alone it has never seen one (it alarmed
    // at row ~2170 before a new track shared the say for its first hours).
    const random = seededRandom(13);
    const times = Array.from({ length: 14 * 288 }, (_, i) => T0 + 870 * MIN + i * 5 * MIN);
    const spikes = Array.from({ length: 14 }, (_, d) => d * 288 + 150 + Math.floor(random() * 7));
    const values = times.map((_, i) => (spikes.includes(i) ? 1.4 + 0.2 * random() : random() < 0.3 ? 0.07 : 0.13));
    const found = alarms(times, values);
    // The first night's spike is news to a series one night old; none after it is.
    expect(outside(found, spikes[0]!, spikes[0]! + 1)).toEqual([]);
  });

  it('a count constant so far (four lines a second for four minutes) that jumps twentyfold is flagged at once', () => {
    const times = Array.from({ length: 300 }, (_, i) => T0 + i * 1000);
    const values = times.map((_, i) => (i === 250 ? 84 : 4));
    const found = alarms(times, values);
    expectFlagged(found, 250, 1);
    expect(outside(found, 250, 262)).toEqual([]);
  });
});
