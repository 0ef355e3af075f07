import { describe, expect, it } from 'vitest';
import { SeasonalClock, samplingInterval } from './seasonality.js';

const HOUR = 3_600_000;

describe('SeasonalClock', () => {
  it('finds the same hour on earlier days by timestamp, across a gap', () => {
    const clock = new SeasonalClock(HOUR);
    expect(clock.periods).toEqual([24 * HOUR, 7 * 24 * HOUR]);
    // Three days of hourly rows with hours 30..35 missing.
    const times = Array.from({ length: 72 }, (_, i) => i * HOUR).filter((t) => t < 30 * HOUR || t > 35 * HOUR);
    times.forEach((t) => clock.remember(t));
    const [daily, weekly] = clock.references(72 * HOUR);
    // 66 rows kept (6 missing). 24h back is hour 48 = row 42 → 66 - 42 = 24 rows back; 48h back is
    // hour 24 = row 24 → 42 rows back (not 48: the gap); 72h back is row 0, with no rows behind it.
    expect(daily).toEqual([24, 42]);
    expect(weekly).toEqual([]);
  });

  it('skips a reference when nothing was recorded near that time', () => {
    const clock = new SeasonalClock(HOUR);
    for (let i = 0; i < 72; i++) if (i < 46 || i > 50) clock.remember(i * HOUR);
    // 24h before hour 72 is hour 48, inside the gap; 48h before is hour 24, present.
    expect(clock.references(72 * HOUR)[0]).toEqual([72 - 5 - 24]);
  });

  it('has no seasonal references for sparse sampling', () => {
    expect(new SeasonalClock(12 * HOUR).periods).toEqual([]);
    expect(samplingInterval([0, 10, 20, 20, 30])).toBe(10);
  });
});
