import type { ByteReader, ByteWriter } from '../../platform/state/bytes.js';

/** Mean of the last `rows` values pushed, or NaN until that many have come. */
export class RunningMean {
  private readonly ring: Float64Array;
  private count = 0;

  constructor(readonly rows: number) {
    this.ring = new Float64Array(rows);
  }

  push(value: number): number {
    this.ring[this.count % this.rows] = value;
    this.count++;
    if (this.count < this.rows) return NaN;
    // Summed afresh each time (a dozen adds): no rounding drift, and a restored copy agrees exactly.
    let sum = 0;
    for (const v of this.ring) sum += v;
    return sum / this.rows;
  }

  write(w: ByteWriter): void {
    w.f64(this.count).f64s(this.ring);
  }

  read(r: ByteReader): void {
    this.count = r.f64();
    this.ring.set(r.f64s(this.rows));
  }
}
