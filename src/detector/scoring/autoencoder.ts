import { tf } from '../../platform/ml/backend.js';
import { seededRandom } from '../../platform/random.js';

/**
 * A dense autoencoder per entity (input → tanh bottleneck → linear output), stored as plain
 * arrays so that many entities' models can be stacked along a leading axis and run together:
 * one batched matMul scores every due entity of the same input size in a single call, and one
 * optimiser loop trains several entities at once (their losses are summed, so each slice of
 * the stacked weights receives exactly its own entity's gradient).
 */
export interface AutoencoderWeights {
  readonly inputSize: number;
  readonly hidden: number;
  readonly w1: Float32Array; // inputSize × hidden
  readonly b1: Float32Array; // hidden
  readonly w2: Float32Array; // hidden × inputSize
  readonly b2: Float32Array; // inputSize
}

/** Windows of one entity, flattened row-major: count × inputSize. */
export interface WindowBatch {
  readonly windows: Float32Array;
  readonly count: number;
}

export interface TrainSettings {
  readonly hidden: number;
  readonly epochs: number;
  readonly learningRate: number;
}

/** Squared reconstruction error of every input cell, per entity (count × inputSize each). */
export function reconstructionErrors(models: readonly AutoencoderWeights[], batches: readonly WindowBatch[]): Float32Array[] {
  if (models.length === 0) return [];
  const d = models[0]!.inputSize;
  const h = models[0]!.hidden;
  const rows = Math.max(1, ...batches.map((b) => b.count));
  const e = models.length;
  const flat = tf.tidy(() => {
    const x = tf.tensor3d(padBatches(batches, rows, d), [e, rows, d]);
    const { w1, b1, w2, b2 } = stackWeights(models, d, h);
    const y = forward(x, w1, b1, w2, b2);
    return tf.squaredDifference(y, x);
  });
  const data = flat.dataSync() as Float32Array;
  flat.dispose();
  return batches.map((b, i) => data.slice(i * rows * d, (i * rows + b.count) * d));
}

/** Train one fresh model per batch (all the same input size) and return their weights. */
export async function trainAutoencoders(batches: readonly WindowBatch[], inputSize: number, seeds: readonly number[], settings: TrainSettings): Promise<AutoencoderWeights[]> {
  const e = batches.length;
  const d = inputSize;
  const h = settings.hidden;
  const rows = Math.max(1, ...batches.map((b) => b.count));
  const init = seeds.map((seed) => initialWeights(d, h, seed));
  const x = tf.tensor3d(padBatches(batches, rows, d), [e, rows, d]);
  const mask = tf.tensor3d(maskOf(batches, rows), [e, rows, 1]);
  const counts = tf.tensor1d(batches.map((b) => Math.max(1, b.count * d)));
  const stacked = stackWeights(init, d, h);
  const vars = {
    w1: tf.variable(stacked.w1),
    b1: tf.variable(stacked.b1),
    w2: tf.variable(stacked.w2),
    b2: tf.variable(stacked.b2),
  };
  Object.values(stacked).forEach((t) => t.dispose());
  const optimiser = tf.train.adam(settings.learningRate);
  for (let epoch = 0; epoch < settings.epochs; epoch++) {
    const loss = optimiser.minimize(() => {
      const y = forward(x, vars.w1, vars.b1, vars.w2, vars.b2);
      const perEntity = tf.sum(tf.mul(tf.squaredDifference(y, x), mask), [1, 2]);
      return tf.sum(tf.div(perEntity, counts)) as tf.Scalar;
    }, false);
    loss?.dispose();
  }
  const [w1, b1, w2, b2] = await Promise.all([vars.w1.data(), vars.b1.data(), vars.w2.data(), vars.b2.data()]);
  optimiser.dispose();
  tf.dispose([x, mask, counts, vars.w1, vars.b1, vars.w2, vars.b2]);
  return batches.map((_, i) => ({
    inputSize: d,
    hidden: h,
    w1: (w1 as Float32Array).slice(i * d * h, (i + 1) * d * h),
    b1: (b1 as Float32Array).slice(i * h, (i + 1) * h),
    w2: (w2 as Float32Array).slice(i * h * d, (i + 1) * h * d),
    b2: (b2 as Float32Array).slice(i * d, (i + 1) * d),
  }));
}

function forward(x: tf.Tensor3D, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor): tf.Tensor3D {
  const hidden = tf.tanh(tf.add(tf.matMul(x, w1 as tf.Tensor3D), b1));
  return tf.add(tf.matMul(hidden as tf.Tensor3D, w2 as tf.Tensor3D), b2) as tf.Tensor3D;
}

function stackWeights(models: readonly AutoencoderWeights[], d: number, h: number) {
  const e = models.length;
  const cat = (pick: (m: AutoencoderWeights) => Float32Array, size: number) => {
    const out = new Float32Array(e * size);
    models.forEach((m, i) => out.set(pick(m), i * size));
    return out;
  };
  return {
    w1: tf.tensor3d(cat((m) => m.w1, d * h), [e, d, h]),
    b1: tf.tensor3d(cat((m) => m.b1, h), [e, 1, h]),
    w2: tf.tensor3d(cat((m) => m.w2, h * d), [e, h, d]),
    b2: tf.tensor3d(cat((m) => m.b2, d), [e, 1, d]),
  };
}

function padBatches(batches: readonly WindowBatch[], rows: number, d: number): Float32Array {
  const out = new Float32Array(batches.length * rows * d);
  batches.forEach((b, i) => out.set(b.windows.subarray(0, b.count * d), i * rows * d));
  return out;
}

function maskOf(batches: readonly WindowBatch[], rows: number): Float32Array {
  const out = new Float32Array(batches.length * rows);
  batches.forEach((b, i) => out.fill(1, i * rows, i * rows + b.count));
  return out;
}

/** Glorot-uniform weights from a seeded generator, zero biases. */
function initialWeights(d: number, h: number, seed: number): AutoencoderWeights {
  const random = seededRandom(seed);
  const limit = Math.sqrt(6 / (d + h));
  const fill = (size: number) => Float32Array.from({ length: size }, () => (random() * 2 - 1) * limit);
  return { inputSize: d, hidden: h, w1: fill(d * h), b1: new Float32Array(h), w2: fill(h * d), b2: new Float32Array(d) };
}
