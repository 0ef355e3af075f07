import { tf } from '../../platform/ml/backend.js';
import type { AutoencoderWeights } from '../scoring/autoencoder.js';

/** What a restarted detector needs to score an entity with its autoencoder without retraining. */
export interface ModelSnapshot {
  readonly entity: string;
  /** The entity's model version: how many times it was trained. */
  readonly version: number;
  /**
   * The vector's series keys (`seriesKey`) in input order; a model only fits an entity whose
   * series line up with these. Models written before series identity hold bare metric names.
   */
  readonly metrics: readonly string[];
  /** Per-metric normalisation the model was trained with. */
  readonly center: Float64Array;
  readonly scale: Float64Array;
  /** The ensemble. */
  readonly models: readonly AutoencoderWeights[];
}

/**
 * ensemble.json (format 2): what the members do not say — entity, version, metric order and
 * normalisation — beside one folder per member holding a standard tfjs Layers model
 * (`member<k>/{model.json,weights.bin}`, written by `model.save`, read by `tf.loadLayersModel`).
 */
export interface EnsembleJson {
  readonly format: 'vigil-autoencoder-ensemble/2';
  readonly entity: string;
  readonly version: number;
  readonly metrics: readonly string[];
  readonly center: number[];
  readonly scale: number[];
  readonly members: readonly string[];
}

export const ENSEMBLE_FILE = 'ensemble.json';

export function ensembleJson(s: ModelSnapshot): EnsembleJson {
  return {
    format: 'vigil-autoencoder-ensemble/2',
    entity: s.entity,
    version: s.version,
    metrics: [...s.metrics],
    center: [...s.center],
    scale: [...s.scale],
    members: s.models.map((_, k) => `member${k}`),
  };
}

/**
 * One ensemble member as a tfjs Layers model: input → dense(hidden, tanh) → dense(input,
 * linear), exactly the forward pass of `autoencoder.ts` (Dense kernels are [in, out], as w1 and
 * w2 are). The caller disposes it.
 */
export function toLayersModel(m: AutoencoderWeights): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ name: 'encoder', inputShape: [m.inputSize], units: m.hidden, activation: 'tanh', kernelInitializer: 'zeros' }),
      tf.layers.dense({ name: 'decoder', units: m.inputSize, kernelInitializer: 'zeros' }),
    ],
  });
  const weights = [tf.tensor2d(m.w1, [m.inputSize, m.hidden]), tf.tensor1d(m.b1), tf.tensor2d(m.w2, [m.hidden, m.inputSize]), tf.tensor1d(m.b2)];
  try {
    model.setWeights(weights);
  } finally {
    tf.dispose(weights);
  }
  return model;
}

/** The weights of a model `toLayersModel` built (and tfjs saved and loaded). */
export function fromLayersModel(model: tf.LayersModel): AutoencoderWeights {
  const [w1, b1, w2, b2] = model.getWeights();
  if (!w1 || !b1 || !w2 || !b2 || w1.shape.length !== 2 || w2.shape.length !== 2) throw new Error('not a vigil autoencoder: expected two dense layers');
  const [inputSize, hidden] = w1.shape as [number, number];
  if (w2.shape[0] !== hidden || w2.shape[1] !== inputSize || b1.size !== hidden || b2.size !== inputSize) throw new Error('not a vigil autoencoder: layer shapes do not fit');
  return {
    inputSize,
    hidden,
    w1: Float32Array.from(w1.dataSync()),
    b1: Float32Array.from(b1.dataSync()),
    w2: Float32Array.from(w2.dataSync()),
    b2: Float32Array.from(b2.dataSync()),
  };
}

/** model.json of format 1 (before tfjs Layers models): tfjs's model-artifacts layout, our topology. Still read. */
export interface ModelJson {
  readonly format: 'vigil-autoencoder-ensemble';
  readonly generatedBy: string;
  readonly modelTopology: {
    readonly entity: string;
    readonly version: number;
    readonly metrics: readonly string[];
    readonly center: number[];
    readonly scale: number[];
    readonly ensemble: number;
    readonly inputSize: number;
    readonly hidden: number;
  };
  readonly weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

export const WEIGHTS_FILE = 'weights.bin';

/** Format 1, still read (`decodeSnapshot`); written only by tests now: the weights by tf.io.encodeWeights. */
export async function encodeSnapshot(s: ModelSnapshot): Promise<{ json: ModelJson; weights: ArrayBuffer }> {
  const first = s.models[0];
  if (!first) throw new Error(`entity ${s.entity}: no model to save`);
  const named: tf.NamedTensorMap = {};
  s.models.forEach((m, k) => {
    named[`member${k}/w1`] = tf.tensor2d(m.w1, [m.inputSize, m.hidden]);
    named[`member${k}/b1`] = tf.tensor1d(m.b1);
    named[`member${k}/w2`] = tf.tensor2d(m.w2, [m.hidden, m.inputSize]);
    named[`member${k}/b2`] = tf.tensor1d(m.b2);
  });
  try {
    const { data, specs } = await tf.io.encodeWeights(named);
    const json: ModelJson = {
      format: 'vigil-autoencoder-ensemble',
      generatedBy: `TensorFlow.js tfjs-core v${tf.version_core}`,
      modelTopology: {
        entity: s.entity,
        version: s.version,
        metrics: [...s.metrics],
        center: [...s.center],
        scale: [...s.scale],
        ensemble: s.models.length,
        inputSize: first.inputSize,
        hidden: first.hidden,
      },
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
    };
    return { json, weights: data };
  } finally {
    Object.values(named).forEach((t) => t.dispose());
  }
}

export function decodeSnapshot(json: ModelJson, weights: ArrayBuffer): ModelSnapshot {
  if (json.format !== 'vigil-autoencoder-ensemble') throw new Error(`unknown model format ${String(json.format)}`);
  const t = json.modelTopology;
  const tensors = tf.io.decodeWeights(weights, json.weightsManifest.flatMap((g) => g.weights));
  try {
    const read = (name: string): Float32Array => {
      const tensor = tensors[name];
      if (!tensor) throw new Error(`entity ${t.entity} v${t.version}: weight ${name} missing`);
      return tensor.dataSync() as Float32Array;
    };
    const models = Array.from({ length: t.ensemble }, (_, k) => ({
      inputSize: t.inputSize,
      hidden: t.hidden,
      w1: read(`member${k}/w1`),
      b1: read(`member${k}/b1`),
      w2: read(`member${k}/w2`),
      b2: read(`member${k}/b2`),
    }));
    return { entity: t.entity, version: t.version, metrics: t.metrics, center: Float64Array.from(t.center), scale: Float64Array.from(t.scale), models };
  } finally {
    Object.values(tensors).forEach((x) => x.dispose());
  }
}
