import { describe, expect, it } from 'vitest';
import { DAY_MS, SeasonalProfile } from './seasonal-profile.js';

const HOUR = 3_600_000;
const scratch = new Float64Array(12);

describe('SeasonalProfile', () => {
  it('remembers each bin of the day and gives the median of the same bin (±1) over the earlier days', () => {
    const p = new SeasonalProfile(DAY_MS, HOUR, 144, 4);
    expect(p.bins).toBe(24);
    for (let day = 0; day < 3; day++) for (let h = 0; h < 24; h++) p.add(day * DAY_MS + h * HOUR, h * 10 + day);
    // Day 3 at 05:00: bins 4, 5, 6 of days 0, 1 and 2 (day 0's 4 o'clock bin shares its slot with the one being filled).
    const ref = p.reference(3 * DAY_MS + 5 * HOUR, scratch);
    expect(ref).toBe(51);
    expect(p.reference(0.5 * HOUR, scratch)).toBeNaN();
  });

  it('coarse bins for fine steps: a day of 10-second samples is 144 bin means', () => {
    const p = new SeasonalProfile(DAY_MS, 10_000, 144, 4);
    expect(p.bins).toBe(144);
    expect(p.values.length).toBe(144 * 4);
    for (let t = 0; t < DAY_MS; t += 10_000) p.add(t, t < DAY_MS / 2 ? 1 : 3);
    p.add(DAY_MS, 0); // settles the last bin
    expect(p.reference(DAY_MS + HOUR, scratch)).toBe(1);
    expect(p.reference(DAY_MS + 20 * HOUR, scratch)).toBe(3);
  });

  it('a gap leaves the bins it skipped empty instead of keeping values from cycles ago', () => {
    const p = new SeasonalProfile(DAY_MS, HOUR, 24, 2);
    for (let h = 0; h < 24; h++) p.add(h * HOUR, 5);
    // Skip day 1 and most of day 2, then a sample at day 2 23:00.
    p.add(2 * DAY_MS + 23 * HOUR, 7);
    p.add(3 * DAY_MS, 7);
    // Day 3 at 12:00: day 1 had no samples, day 2's noon bin was skipped: nothing to compare with.
    expect(p.reference(3 * DAY_MS + 12 * HOUR, scratch)).toBeNaN();
    expect(p.reference(3 * DAY_MS + 23 * HOUR, scratch)).toBe(7);
  });
});
