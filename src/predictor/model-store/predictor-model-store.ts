import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from '../../platform/ml/backend.js';
import type { SeriesModel } from '../forecast/series-model.js';

const WEIGHTS_FILE = 'weights.bin';
const TENSORS = ['wx', 'wh', 'b', 'wo', 'bo', 'wl'] as const;

/** model.json: tfjs's model-artifacts layout (topology + weights manifest), our topology. */
interface ModelJson {
  readonly format: 'vigil-lstm-forecaster';
  readonly generatedBy: string;
  readonly modelTopology: {
    readonly series: string;
    readonly version: number;
    readonly channels: number;
    readonly units: number;
    readonly horizon: number;
    readonly spec: SeriesModel['spec'];
  };
  readonly weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

/**
 * The model export: each trained forecaster on disk,
 * `<dir>/<series-hash>/v<version>/{model.json,weights.bin}` (tfjs's model-artifacts layout,
 * weights by tf.io.encodeWeights) plus a `current` file; written to a temporary folder and
 * renamed into place, `current` swapped by rename, the previous version kept. For offline use
 * (inspect, backtest, copy elsewhere): the service never reads it back — a restart or a partition
 * move restores from the changelog (aiops.predictor-state), which holds the models too.
 */
export class PredictorModelStore {
  constructor(readonly dir: string) {}

  async save(series: string, model: SeriesModel): Promise<void> {
    const w = model.weights;
    const named: tf.NamedTensorMap = Object.fromEntries(TENSORS.map((k) => [k, tf.tensor1d(w[k])]));
    let encoded: { data: ArrayBuffer; specs: tf.io.WeightsManifestEntry[] };
    try {
      encoded = await tf.io.encodeWeights(named);
    } finally {
      Object.values(named).forEach((t) => t.dispose());
    }
    const json: ModelJson = {
      format: 'vigil-lstm-forecaster',
      generatedBy: `TensorFlow.js tfjs-core v${tf.version_core}`,
      modelTopology: { series, version: model.version, channels: w.channels, units: w.units, horizon: w.horizon, spec: model.spec },
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: encoded.specs }],
    };
    const seriesDir = join(this.dir, folderOf(series));
    const version = `v${model.version}`;
    const tmp = join(seriesDir, `.${version}.${process.pid}.tmp`);
    await mkdir(tmp, { recursive: true });
    await writeFile(join(tmp, 'model.json'), JSON.stringify(json));
    await writeFile(join(tmp, WEIGHTS_FILE), new Uint8Array(encoded.data));
    await rm(join(seriesDir, version), { recursive: true, force: true });
    await rename(tmp, join(seriesDir, version));
    await writeFile(join(seriesDir, 'current.tmp'), version);
    await rename(join(seriesDir, 'current.tmp'), join(seriesDir, 'current'));
    for (const old of (await readdir(seriesDir)).filter((n) => /^v\d+$/.test(n) && Number(n.slice(1)) < model.version - 1)) {
      await rm(join(seriesDir, old), { recursive: true, force: true });
    }
  }

  /** One series' current model, or undefined when the store has none. */
  async load(series: string): Promise<SeriesModel | undefined> {
    const seriesDir = join(this.dir, folderOf(series));
    const version = await readFile(join(seriesDir, 'current'), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (version === undefined) return undefined;
    return (await this.read(seriesDir, version.trim())).model;
  }

  /** Every series' current model (unreadable ones are reported, not fatal). */
  async loadAll(onError: (dir: string, err: Error) => void = () => {}): Promise<Map<string, SeriesModel>> {
    const out = new Map<string, SeriesModel>();
    const folders = await readdir(this.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    for (const folder of folders) {
      const seriesDir = join(this.dir, folder);
      try {
        const version = (await readFile(join(seriesDir, 'current'), 'utf8')).trim();
        const { series, model } = await this.read(seriesDir, version);
        out.set(series, model);
      } catch (err) {
        onError(seriesDir, err as Error);
      }
    }
    return out;
  }

  private async read(seriesDir: string, version: string): Promise<{ series: string; model: SeriesModel }> {
    const json = JSON.parse(await readFile(join(seriesDir, version, 'model.json'), 'utf8')) as ModelJson;
    const bytes = await readFile(join(seriesDir, version, WEIGHTS_FILE));
    return decode(json, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  }
}

function decode(json: ModelJson, weights: ArrayBuffer): { series: string; model: SeriesModel } {
  if (json.format !== 'vigil-lstm-forecaster') throw new Error(`unknown model format ${String(json.format)}`);
  const t = json.modelTopology;
  const tensors = tf.io.decodeWeights(weights, json.weightsManifest.flatMap((g) => g.weights));
  try {
    const read = (name: (typeof TENSORS)[number]): Float32Array => {
      const tensor = tensors[name];
      if (!tensor) throw new Error(`${t.series} v${t.version}: weight ${name} missing`);
      return tensor.dataSync() as Float32Array;
    };
    return {
      series: t.series,
      model: {
        version: t.version,
        spec: t.spec,
        weights: { channels: t.channels, units: t.units, horizon: t.horizon, wx: read('wx'), wh: read('wh'), b: read('b'), wo: read('wo'), bo: read('bo'), wl: read('wl') },
      },
    };
  } finally {
    Object.values(tensors).forEach((x) => x.dispose());
  }
}

/** Series names hold any character; a readable prefix plus a hash keeps folder names safe and unique. */
function folderOf(series: string): string {
  const readable = series.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60);
  return `${readable}-${createHash('sha256').update(series).digest('hex').slice(0, 12)}`;
}
