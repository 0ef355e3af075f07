import { tf } from '../../platform/ml/backend.js';
import { permutation, seededRandom } from '../../platform/random.js';

/**
 * A one-layer LSTM per series with a dense head giving three quantiles (low, median, high) for
 * each of H steps ahead. Weights live in plain arrays so that many series' models are stacked
 * along a leading axis and run as one batched matMul per time step, as the detector's
 * autoencoder bank does: one call forecasts every due series, one optimiser loop trains several
 * series at once (their losses are summed, so each slice of the stacked weights gets exactly its
 * own series' gradient).
 */
export interface LstmWeights {
  readonly channels: number;
  readonly units: number;
  readonly horizon: number;
  readonly wx: Float32Array; // channels × 4·units (gates i, f, g, o)
  readonly wh: Float32Array; // units × 4·units
  readonly b: Float32Array; // 4·units
  readonly wo: Float32Array; // units × 3·horizon (median, low spread, high spread)
  readonly bo: Float32Array; // 3·horizon
  /** Linear highway from the whole window to the median (LSTNet's autoregressive part). */
  readonly wl: Float32Array; // steps·channels × horizon
}

/** Input windows of one series, row-major count × steps × channels, and (for training) targets count × horizon. */
export interface SeqBatch {
  readonly inputs: Float32Array;
  readonly targets?: Float32Array;
  readonly count: number;
}

export interface LstmShape {
  readonly steps: number;
  readonly channels: number;
  readonly units: number;
  readonly horizon: number;
}

export interface LstmTrainSettings {
  readonly epochs: number;
  readonly learningRate: number;
  /** Quantile levels of the band's edges, e.g. 0.1 and 0.9. */
  readonly lowQuantile: number;
  readonly highQuantile: number;
  /** Rows per optimiser step (per series). */
  readonly batchRows: number;
}

/** Per series, count × horizon of each quantile. */
export interface QuantileForecast {
  readonly low: Float32Array;
  readonly median: Float32Array;
  readonly high: Float32Array;
}

/** Forecast every batch with its own series' model; all models share one shape. */
export function forecastQuantiles(models: readonly LstmWeights[], batches: readonly SeqBatch[], steps: number): QuantileForecast[] {
  if (models.length === 0) return [];
  const { channels: c, units: u, horizon: h } = models[0]!;
  const rows = Math.max(1, ...batches.map((b) => b.count));
  const out = tf.tidy(() => {
    const x = tf.tensor4d(pad(batches.map((b) => b.inputs), rows * steps * c), [models.length, rows, steps, c]);
    const w = stack(models, c, u, h);
    return tf.concat(heads(run(x, w, u), h), 2);
  });
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return batches.map((b, i) => {
    const low = new Float32Array(b.count * h);
    const median = new Float32Array(b.count * h);
    const high = new Float32Array(b.count * h);
    for (let r = 0; r < b.count; r++) {
      const at = (i * rows + r) * 3 * h;
      median.set(data.subarray(at, at + h), r * h);
      low.set(data.subarray(at + h, at + 2 * h), r * h);
      high.set(data.subarray(at + 2 * h, at + 3 * h), r * h);
    }
    return { low, median, high };
  });
}

/**
 * Train one fresh model per batch (pinball loss on the three quantiles), all in one loop.
 * `cancelled` is asked between optimiser steps: when it says yes (the service is stopping),
 * training is abandoned and the answer is undefined.
 */
export async function trainLstms(
  batches: readonly SeqBatch[],
  shape: LstmShape,
  seeds: readonly number[],
  settings: LstmTrainSettings,
  cancelled: () => boolean = () => false,
): Promise<LstmWeights[] | undefined> {
  const { steps, channels: c, units: u, horizon: h } = shape;
  const e = batches.length;
  const rows = Math.max(1, ...batches.map((b) => b.count));
  const x = tf.tensor4d(pad(batches.map((b) => b.inputs), rows * steps * c), [e, rows, steps, c]);
  const y = tf.tensor3d(pad(batches.map((b) => b.targets ?? new Float32Array()), rows * h), [e, rows, h]);
  const maskData = new Float32Array(e * rows);
  batches.forEach((b, i) => maskData.fill(1, i * rows, i * rows + b.count));
  const mask = tf.tensor3d(maskData, [e, rows, 1]);
  const init = stack(
    seeds.map((seed) => initialWeights(shape, seed)),
    c,
    u,
    h,
  );
  const vars = Object.fromEntries(Object.entries(init).map(([k, t]) => [k, tf.variable(t)])) as Record<keyof Stacked, tf.Variable>;
  Object.values(init).forEach((t) => t.dispose());
  const optimiser = tf.train.adam(settings.learningRate);
  const levels: Array<[number, number]> = [
    [0, 0.5],
    [1, settings.lowQuantile],
    [2, settings.highQuantile],
  ];
  const random = seededRandom(seeds[0] ?? 1);
  const size = Math.min(rows, settings.batchRows);
  const release = () => {
    optimiser.dispose();
    tf.dispose([x, y, mask, ...Object.values(vars)]);
  };
  for (let epoch = 0; epoch < settings.epochs; epoch++) {
    // Mini-batches of rows, reshuffled each epoch (the same row order for every stacked series;
    // padded rows carry a zero mask wherever they land).
    const order = tf.tensor1d(Array.from(permutation(rows, random)), 'int32');
    for (let at = 0; at + size <= rows; at += size) {
      const loss = optimiser.minimize(() => {
        const idx = order.slice(at, size);
        const xb = tf.gather(x, idx, 1) as tf.Tensor4D;
        const yb = tf.gather(y, idx, 1);
        const mb = tf.gather(mask, idx, 1);
        const nb = tf.maximum(tf.mul(tf.sum(mb, 1, true), h), 1);
        const q = heads(run(xb, vars, u), h);
        let total: tf.Tensor = tf.scalar(0);
        for (const [k, level] of levels) {
          const err = tf.sub(yb, q[k]!);
          const pinball = tf.maximum(tf.mul(err, level), tf.mul(err, level - 1));
          total = tf.add(total, tf.sum(tf.div(tf.mul(pinball, mb), nb)));
        }
        return total as tf.Scalar;
      }, false);
      loss?.dispose();
      // Training blocks the one thread between these points only: other services' batches
      // (and the heartbeats) run between optimiser steps, not after the whole training.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (cancelled()) {
        order.dispose();
        release();
        return undefined;
      }
    }
    order.dispose();
  }
  const data = await Promise.all([vars.wx.data(), vars.wh.data(), vars.b.data(), vars.wo.data(), vars.bo.data(), vars.wl.data()]);
  const [wx, wh, b, wo, bo, wl] = data as Float32Array[];
  release();
  return batches.map((_, i) => ({
    channels: c,
    units: u,
    horizon: h,
    wx: wx!.slice(i * c * 4 * u, (i + 1) * c * 4 * u),
    wh: wh!.slice(i * u * 4 * u, (i + 1) * u * 4 * u),
    b: b!.slice(i * 4 * u, (i + 1) * 4 * u),
    wo: wo!.slice(i * u * 3 * h, (i + 1) * u * 3 * h),
    bo: bo!.slice(i * 3 * h, (i + 1) * 3 * h),
    wl: wl!.slice(i * steps * c * h, (i + 1) * steps * c * h),
  }));
}

type Stacked = Record<'wx' | 'wh' | 'b' | 'wo' | 'bo' | 'wl', tf.Tensor>;

/** The LSTM over the window, then the head, plus the linear highway on the median: [series, rows, 3·horizon]. */
function run(x: tf.Tensor4D, w: Stacked, u: number): tf.Tensor3D {
  const [e, rows, steps, c] = x.shape;
  const flat = tf.reshape(x, [e, rows * steps, c]) as tf.Tensor3D;
  // The input projection of every step in one matMul; only the recurrence is step by step.
  const projected = tf.reshape(tf.matMul(flat, w.wx as tf.Tensor3D), [e, rows, steps, 4 * u]);
  const perStep = tf.unstack(projected, 2) as tf.Tensor3D[];
  let hidden: tf.Tensor3D = tf.zeros([e, rows, u]);
  let cell: tf.Tensor3D = tf.zeros([e, rows, u]);
  for (const xs of perStep) {
    const gates = tf.add(tf.add(xs, tf.matMul(hidden, w.wh as tf.Tensor3D)), w.b);
    const [i, f, g, o] = tf.split(gates, 4, 2) as tf.Tensor3D[];
    cell = tf.add(tf.mul(tf.sigmoid(f!), cell), tf.mul(tf.sigmoid(i!), tf.tanh(g!)));
    hidden = tf.mul(tf.sigmoid(o!), tf.tanh(cell));
  }
  const out = tf.add(tf.matMul(hidden, w.wo as tf.Tensor3D), w.bo) as tf.Tensor3D;
  const h = w.wl.shape[2]!;
  const linear = tf.matMul(tf.reshape(x, [e, rows, steps * c]) as tf.Tensor3D, w.wl as tf.Tensor3D);
  return tf.add(out, tf.pad(linear, [[0, 0], [0, 0], [0, 2 * h]])) as tf.Tensor3D;
}

/** Median, and low / high as the median minus / plus a softplus spread, so quantiles never cross. */
function heads(out: tf.Tensor3D, h: number): tf.Tensor3D[] {
  const [median, lowSpread, highSpread] = tf.split(out, [h, h, h], 2) as tf.Tensor3D[];
  return [median!, tf.sub(median!, tf.softplus(lowSpread!)), tf.add(median!, tf.softplus(highSpread!))];
}

function stack(models: readonly LstmWeights[], c: number, u: number, h: number): Stacked {
  const e = models.length;
  const cat = (pick: (m: LstmWeights) => Float32Array, size: number) => {
    const out = new Float32Array(e * size);
    models.forEach((m, i) => out.set(pick(m), i * size));
    return out;
  };
  return {
    wx: tf.tensor3d(cat((m) => m.wx, c * 4 * u), [e, c, 4 * u]),
    wh: tf.tensor3d(cat((m) => m.wh, u * 4 * u), [e, u, 4 * u]),
    b: tf.tensor3d(cat((m) => m.b, 4 * u), [e, 1, 4 * u]),
    wo: tf.tensor3d(cat((m) => m.wo, u * 3 * h), [e, u, 3 * h]),
    bo: tf.tensor3d(cat((m) => m.bo, 3 * h), [e, 1, 3 * h]),
    wl: tf.tensor3d(cat((m) => m.wl, models[0]!.wl.length), [e, models[0]!.wl.length / h, h]),
  };
}

function pad(parts: readonly Float32Array[], size: number): Float32Array {
  const out = new Float32Array(parts.length * size);
  parts.forEach((p, i) => out.set(p.subarray(0, size), i * size));
  return out;
}

/**
 * Glorot-uniform input and recurrent weights, forget-gate bias 1 (remember by default), and a
 * head that starts near zero: a fresh model forecasts "no change" with a narrow band.
 */
function initialWeights(shape: LstmShape, seed: number): LstmWeights {
  const { steps, channels: c, units: u, horizon: h } = shape;
  const random = seededRandom(seed);
  const fill = (size: number, limit: number) => Float32Array.from({ length: size }, () => (random() * 2 - 1) * limit);
  const b = new Float32Array(4 * u);
  b.fill(1, u, 2 * u);
  const bo = new Float32Array(3 * h);
  bo.fill(-1, h); // softplus(-1) ≈ 0.31: a modest starting spread
  return {
    channels: c,
    units: u,
    horizon: h,
    wx: fill(c * 4 * u, Math.sqrt(6 / (c + 4 * u))),
    wh: fill(u * 4 * u, Math.sqrt(6 / (5 * u))),
    b,
    wo: fill(u * 3 * h, 0.1 * Math.sqrt(6 / (u + 3 * h))),
    bo,
    wl: new Float32Array(steps * c * h),
  };
}
