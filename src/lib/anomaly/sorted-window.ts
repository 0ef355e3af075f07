import type { ByteReader, ByteWriter } from '../../platform/state/bytes.js';

/**
 * The last `capacity` values of a stream kept both in arrival order and sorted, so quantiles,
 * ranks and the median cost a binary search. Stored as float32 by default: half the memory per
 * entity, and ranks of signal magnitudes need no more precision. Insertion and eviction move at most `capacity`
 * floats, which is cheap for the few thousand rows a detector looks back over.
 */
export class SortedWindow {
  private readonly ring: Float32Array | Float64Array;
  private readonly sorted: Float32Array | Float64Array;
  private readonly round: (v: number) => number;
  private head = 0;
  private n = 0;

  /** `exact` keeps float64, for raw metric values whose differences matter at full precision. */
  constructor(
    readonly capacity: number,
    exact = false,
  ) {
    this.ring = exact ? new Float64Array(capacity) : new Float32Array(capacity);
    this.sorted = exact ? new Float64Array(capacity) : new Float32Array(capacity);
    this.round = exact ? (v) => v : Math.fround;
  }

  get size(): number {
    return this.n;
  }

  add(input: number): void {
    const value = this.round(input);
    if (this.n === this.capacity) {
      // Full: evict the oldest and insert the new value with one shift of the values between them.
      const out = this.lowerBound(this.ring[this.head]!);
      const into = this.upperBound(value);
      if (out < into) {
        this.sorted.copyWithin(out, out + 1, into);
        this.sorted[into - 1] = value;
      } else {
        this.sorted.copyWithin(into + 1, into, out);
        this.sorted[into] = value;
      }
    } else {
      const into = this.upperBound(value);
      this.sorted.copyWithin(into + 1, into, this.n);
      this.sorted[into] = value;
      this.n++;
    }
    this.ring[this.head] = value;
    this.head = (this.head + 1) % this.capacity;
  }

  /** Arrival-ordered values and position, enough to rebuild the window exactly. */
  write(w: ByteWriter): void {
    w.i32(this.head).i32(this.n);
    if (this.ring instanceof Float64Array) w.f64s(this.ring);
    else w.f32s(this.ring);
  }

  read(r: ByteReader): void {
    const head = r.i32();
    const n = r.i32();
    const ring = this.ring instanceof Float64Array ? r.f64s(this.capacity) : r.f32s(this.capacity);
    if (head < 0 || head >= this.capacity || n < 0 || n > this.capacity) throw new Error('snapshot: bad sorted window');
    this.ring.set(ring);
    this.head = head;
    this.n = n;
    // The oldest of the n values sits n slots behind head.
    const values = Array.from({ length: n }, (_, i) => this.ring[(head - n + i + this.capacity) % this.capacity]!);
    this.sorted.set(values.sort((a, b) => a - b));
  }

  /** The k-th smallest value (0-based). */
  at(k: number): number {
    return this.sorted[Math.min(Math.max(k, 0), this.n - 1)]!;
  }

  quantile(q: number): number {
    return this.at(Math.floor(q * (this.n - 1)));
  }

  median(): number {
    return this.quantile(0.5);
  }

  /** How many stored values are >= value. */
  countAtLeast(value: number): number {
    // Compared at the stored (float32) precision, so a value equal to a stored one counts.
    return this.n - this.lowerBound(this.round(value));
  }

  private lowerBound(value: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private upperBound(value: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]! <= value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
