const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** Longest seasonal period kept in memory, in rows (a week of 1-minute data). */
const MAX_PERIOD_ROWS = 10_080;
/** Past days (and weeks) whose same time of day (of week) form the seasonal references. */
export const SEASON_CYCLES = 4;

/** Median spacing of a few timestamps, the entity's sampling interval. */
export function samplingInterval(times: readonly number[]): number {
  const deltas = times.slice(1).map((t, i) => t - times[i]!).filter((d) => d > 0).sort((a, b) => a - b);
  return deltas[Math.floor(deltas.length / 2)] ?? 0;
}

/**
 * Finds, for the row at time t, how many rows back the same time of day and of week were over
 * the last few cycles. Looked up by timestamp rather than by counting rows, so gaps, duplicate
 * timestamps and clock changes do not shift the references.
 */
export class SeasonalClock {
  readonly periods: readonly number[];
  /** Rows of history the metrics must keep for the references to be reachable. */
  readonly capacity: number;
  private readonly times: Float64Array;
  private count = 0;

  constructor(private readonly interval: number) {
    const usable = interval > 0 && interval <= DAY_MS / 4;
    this.periods = usable ? [DAY_MS, WEEK_MS].filter((p) => Math.round(p / interval) <= MAX_PERIOD_ROWS) : [];
    const longest = Math.max(0, ...this.periods.map((p) => Math.round(p / interval)));
    this.capacity = SEASON_CYCLES * longest + 3;
    this.times = new Float64Array(this.capacity);
  }

  /** Per period, the rows-back offsets (1 = previous row) of the references for a row at time t. */
  references(t: number): number[][] {
    const n = Math.min(this.count, this.capacity);
    return this.periods.map((period) => {
      const offsets: number[] = [];
      for (let c = 1; c <= SEASON_CYCLES; c++) {
        const i = this.nearest(t - c * period, n);
        if (i < 0) continue;
        const back = n - i;
        // The signals read one row either side and the row before those.
        if (back >= 2 && back + 2 <= n) offsets.push(back);
      }
      return offsets;
    });
  }

  remember(t: number): void {
    this.times[this.count % this.capacity] = t;
    this.count++;
  }

  /** Logical index (0 = oldest kept) of the row closest in time to target, within half an interval. */
  private nearest(target: number, n: number): number {
    const first = this.count - n;
    const at = (i: number) => this.times[(first + i) % this.capacity]!;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (at(mid) < target) lo = mid + 1;
      else hi = mid;
    }
    let best = -1;
    for (const i of [lo - 1, lo]) {
      if (i >= 0 && i < n && Math.abs(at(i) - target) <= this.interval / 2 && (best < 0 || Math.abs(at(i) - target) < Math.abs(at(best) - target))) best = i;
    }
    return best;
  }
}
