export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/**
 * A coarse memory of one seasonal period (a day, a week): the mean of each time-of-period bin
 * over the last `cycles` periods, found by timestamp (epoch-aligned bins, so gaps and uneven
 * sampling do not shift it). The reference for a time is the median of its bin and the two
 * beside it over the earlier cycles — what the same time yesterday (or last week) looked like.
 * Bins are at least one sampling interval wide and at most `maxBins` per period, so the memory
 * stays `cycles × maxBins` floats whatever the step: a day of 10-s samples is 144 bin means.
 */
export class SeasonalProfile {
  readonly bins: number;
  private readonly binMs: number;
  /** Bin means, NaN where a bin had no sample; slot = (cycle % cycles) * bins + bin. */
  readonly values: Float32Array;
  /** Absolute index (time / binMs) of the bin being filled, -1 before the first sample. */
  currentBin = -1;
  sum = 0;
  count = 0;

  constructor(
    readonly period: number,
    interval: number,
    maxBins: number,
    readonly cycles: number,
  ) {
    this.bins = Math.max(1, Math.min(maxBins, Math.round(period / interval)));
    this.binMs = period / this.bins;
    this.values = new Float32Array(this.bins * cycles).fill(NaN);
  }

  add(time: number, value: number): void {
    const bin = Math.floor(time / this.binMs);
    if (bin < this.currentBin) return; // behind the bin being filled: its slot is settled
    if (bin !== this.currentBin) {
      this.settle();
      // Bins skipped by a gap get no value, rather than keeping one from cycles ago.
      const span = this.currentBin < 0 ? 0 : Math.min(bin - this.currentBin - 1, this.bins * this.cycles);
      for (let k = 1; k <= span; k++) this.values[this.slot(this.currentBin + k)] = NaN;
      this.currentBin = bin;
    }
    this.sum += value;
    this.count++;
  }

  /** Median of the bin of `time` (±1 bin) over the previous cycles; NaN if none is known. */
  reference(time: number, scratch: Float64Array): number {
    const bin = Math.floor(time / this.binMs);
    let n = 0;
    for (let c = 1; c <= this.cycles; c++) {
      for (let d = -1; d <= 1; d++) {
        const at = bin - c * this.bins + d;
        // Not yet settled, or so old that its slot has been reused since (the bin being filled
        // shares its slot with the one a full ring earlier, which it has not overwritten yet).
        if (at > this.currentBin - 1 || at < this.currentBin - this.cycles * this.bins) continue;
        const v = this.values[this.slot(at)]!;
        if (Number.isFinite(v)) scratch[n++] = v;
      }
    }
    return n === 0 ? NaN : median(scratch, n);
  }

  private settle(): void {
    if (this.currentBin >= 0 && this.count > 0) this.values[this.slot(this.currentBin)] = this.sum / this.count;
    this.sum = 0;
    this.count = 0;
  }

  private slot(bin: number): number {
    return (Math.floor(bin / this.bins) % this.cycles) * this.bins + (bin % this.bins);
  }
}

/** Median of the first n values of a scratch array, sorted in place. */
function median(values: Float64Array, n: number): number {
  const part = values.subarray(0, n).sort();
  const mid = n >> 1;
  return n % 2 ? part[mid]! : (part[mid - 1]! + part[mid]!) / 2;
}
