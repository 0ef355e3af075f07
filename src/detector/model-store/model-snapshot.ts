import { tf } from '../../platform/ml/backend.js';
import type { AutoencoderWeights } from '../scoring/autoencoder.js';

/** What a restarted detector needs to score an entity with its autoencoder without retraining. */
export interface ModelSnapshot {
  readonly entity: string;
  /** The entity's model version: how many times it was trained. */
  readonly version: number;
  /** Metric names in input order; a model only fits an entity whose metrics line up with these. */
  readonly metrics: readonly string[];
  /** Per-metric normalisation the model was trained with. */
  readonly center: Float64Array;
  readonly scale: Float64Array;
  /** The ensemble. */
  readonly models: readonly AutoencoderWeights[];
}

/** model.json: tfjs's model-artifacts layout (topology + weights manifest), our topology. */
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

/** Encodes the weights with tfjs's own serialisation (tf.io.encodeWeights), as tfjs saves a model. */
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
