/**
 * Per-feature mean and standard deviation from training rows; inputs become z-scores, clipped so a
 * wild value in production (an amount of 10^9) cannot saturate the network.
 */
export class Standardiser {
  static readonly CLIP = 10;

  constructor(
    readonly mean: readonly number[],
    readonly std: readonly number[],
  ) {
    if (mean.length !== std.length) throw new Error('mean and std differ in length');
  }

  get width(): number {
    return this.mean.length;
  }

  /** Fits on `n` rows stored row-major in `rows`. */
  static fit(rows: Float32Array, n: number, width: number): Standardiser {
    const sum = new Float64Array(width);
    const sumSq = new Float64Array(width);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < width; j++) {
        const v = rows[i * width + j]!;
        sum[j]! += v;
        sumSq[j]! += v * v;
      }
    }
    const mean = [...sum].map((s) => s / Math.max(n, 1));
    // A constant feature gets std 1 so it standardises to 0 instead of dividing by zero.
    const std = [...sumSq].map((s, j) => Math.sqrt(Math.max(0, s / Math.max(n, 1) - mean[j]! ** 2)) || 1);
    return new Standardiser(mean, std);
  }

  /** Standardises `n` rows into a new array. */
  apply(rows: Float32Array, n: number): Float32Array {
    const w = this.width;
    const out = new Float32Array(n * w);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < w; j++) {
        const z = (rows[i * w + j]! - this.mean[j]!) / this.std[j]!;
        out[i * w + j] = z > Standardiser.CLIP ? Standardiser.CLIP : z < -Standardiser.CLIP ? -Standardiser.CLIP : z;
      }
    }
    return out;
  }
}
