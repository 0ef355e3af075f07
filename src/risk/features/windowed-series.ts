/**
 * One entity's timestamped values with running count, sum and sum of squares over several trailing
 * windows (each window is (now - w, now]). Events must be added in time order; anything older
 * than the longest window is dropped, so memory stays bounded by that window's traffic.
 */
export class WindowedSeries {
  private times: number[] = [];
  private values: number[] = [];
  /** Per window, index of the first event still inside it (windows ascending, so heads descend). */
  private readonly heads: number[];
  readonly count: number[];
  readonly sum: number[];
  readonly sumSq: number[];

  constructor(private readonly windowsMs: readonly number[]) {
    for (let i = 1; i < windowsMs.length; i++) {
      if (windowsMs[i]! <= windowsMs[i - 1]!) throw new Error('windows must be strictly ascending');
    }
    this.heads = windowsMs.map(() => 0);
    this.count = windowsMs.map(() => 0);
    this.sum = windowsMs.map(() => 0);
    this.sumSq = windowsMs.map(() => 0);
  }

  get size(): number {
    return this.times.length - this.heads[this.heads.length - 1]!;
  }

  get lastTime(): number | undefined {
    return this.times[this.times.length - 1];
  }

  add(time: number, value: number): void {
    const last = this.lastTime;
    if (last !== undefined && time < last) throw new Error(`event at ${time} is older than the last one (${last})`);
    this.times.push(time);
    this.values.push(value);
    for (let w = 0; w < this.windowsMs.length; w++) {
      this.count[w]! += 1;
      this.sum[w]! += value;
      this.sumSq[w]! += value * value;
    }
  }

  /** Drops from each window the events that have fallen out of it at `now`. */
  advance(now: number): void {
    for (let w = 0; w < this.windowsMs.length; w++) {
      const edge = now - this.windowsMs[w]!;
      let head = this.heads[w]!;
      while (head < this.times.length && this.times[head]! <= edge) {
        const v = this.values[head]!;
        this.count[w]! -= 1;
        this.sum[w]! -= v;
        this.sumSq[w]! -= v * v;
        head++;
      }
      this.heads[w] = head;
      // Subtraction drifts in floating point; an empty window is exactly zero.
      if (this.count[w] === 0) this.sum[w] = this.sumSq[w] = 0;
    }
    this.compact();
  }

  /** Time of the oldest retained event in the longest window with this value, if any. */
  firstTimeOf(value: number): number | undefined {
    for (let i = this.heads[this.heads.length - 1]!; i < this.times.length; i++) if (this.values[i] === value) return this.times[i];
    return undefined;
  }

  /** Retained events, oldest first, for serialisation. */
  events(): { times: number[]; values: number[] } {
    const from = this.heads[this.heads.length - 1]!;
    return { times: this.times.slice(from), values: this.values.slice(from) };
  }

  static restore(windowsMs: readonly number[], times: readonly number[], values: readonly number[], now: number): WindowedSeries {
    if (times.length !== values.length) throw new Error('times and values differ in length');
    const series = new WindowedSeries(windowsMs);
    times.forEach((t, i) => series.add(t, values[i]!));
    series.advance(now);
    return series;
  }

  private compact(): void {
    const oldest = this.heads[this.heads.length - 1]!;
    // Splice only when the dead prefix is large, so compaction stays amortised O(1).
    if (oldest < 32 || oldest * 2 < this.times.length) return;
    this.times = this.times.slice(oldest);
    this.values = this.values.slice(oldest);
    for (let w = 0; w < this.heads.length; w++) this.heads[w]! -= oldest;
  }
}
