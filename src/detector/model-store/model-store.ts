import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from '../../platform/ml/backend.js';
import { directoryLoadHandler, directorySaveHandler } from '../../platform/ml/model-files.js';
import type { AutoencoderWeights } from '../scoring/autoencoder.js';
import { decodeSnapshot, ENSEMBLE_FILE, ensembleJson, fromLayersModel, toLayersModel, WEIGHTS_FILE, type EnsembleJson, type ModelJson, type ModelSnapshot } from './model-snapshot.js';

/** Versions kept per entity besides the current one, to roll back by hand if a retrain went bad. */
const KEEP_PREVIOUS = 1;

/**
 * Trained detector models on disk, one folder per entity, one sub-folder per version:
 * `<dir>/<entity-hash>/v<version>/` holding `ensemble.json` (entity, metric order,
 * normalisation) and `member<k>/{model.json,weights.bin}`, each ensemble member a standard tfjs
 * Layers model saved by `model.save` and read by `tf.loadLayersModel` — plus a `current` file
 * naming the version in use. Versions written before (format 1: one `model.json` +
 * `weights.bin` per version, weights by tf.io.encodeWeights) are still read. A version is written to a temporary folder and renamed into place, then
 * `current` is replaced by rename too, so a reader (or a crash) never sees half a model.
 */
export class ModelStore {
  constructor(readonly dir: string) {}

  async save(snapshot: ModelSnapshot): Promise<void> {
    if (snapshot.models.length === 0) throw new Error(`entity ${snapshot.entity}: no model to save`);
    const entityDir = join(this.dir, folderOf(snapshot.entity));
    const version = `v${snapshot.version}`;
    const tmp = join(entityDir, `.${version}.${process.pid}.tmp`);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    const meta = ensembleJson(snapshot);
    for (const [k, member] of meta.members.entries()) {
      const model = toLayersModel(snapshot.models[k]!);
      try {
        await model.save(directorySaveHandler(join(tmp, member)));
      } finally {
        model.dispose();
      }
    }
    await writeFile(join(tmp, ENSEMBLE_FILE), JSON.stringify(meta));
    await rm(join(entityDir, version), { recursive: true, force: true });
    await rename(tmp, join(entityDir, version));
    await writeFile(join(entityDir, 'current.tmp'), version);
    await rename(join(entityDir, 'current.tmp'), join(entityDir, 'current'));
    await this.prune(entityDir, snapshot.version);
  }

  /** The entity's current model, or undefined when the store has none. */
  async load(entity: string): Promise<ModelSnapshot | undefined> {
    const entityDir = join(this.dir, folderOf(entity));
    const version = await readFile(join(entityDir, 'current'), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    return version === undefined ? undefined : this.read(entityDir, version.trim());
  }

  /** The current model of every entity in the store (unreadable ones are reported, not fatal). */
  async loadAll(onError: (entityDir: string, err: Error) => void = () => {}): Promise<ModelSnapshot[]> {
    const folders = await readdir(this.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    const out: ModelSnapshot[] = [];
    for (const folder of folders) {
      const entityDir = join(this.dir, folder);
      try {
        const version = (await readFile(join(entityDir, 'current'), 'utf8')).trim();
        out.push(await this.read(entityDir, version));
      } catch (err) {
        onError(entityDir, err as Error);
      }
    }
    return out;
  }

  private async read(entityDir: string, version: string): Promise<ModelSnapshot> {
    const meta = await readFile(join(entityDir, version, ENSEMBLE_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    return meta === undefined ? this.readFormat1(entityDir, version) : this.readEnsemble(join(entityDir, version), JSON.parse(meta) as EnsembleJson);
  }

  private async readEnsemble(versionDir: string, meta: EnsembleJson): Promise<ModelSnapshot> {
    if (meta.format !== 'vigil-autoencoder-ensemble/2') throw new Error(`unknown model format ${String(meta.format)}`);
    const models: AutoencoderWeights[] = [];
    for (const member of meta.members) {
      if (!/^member\d+$/.test(member)) throw new Error(`${versionDir}: bad member folder ${JSON.stringify(member)}`);
      const model = await tf.loadLayersModel(directoryLoadHandler(join(versionDir, member)));
      try {
        models.push(fromLayersModel(model));
      } finally {
        model.dispose();
      }
    }
    const snapshot = { entity: meta.entity, version: meta.version, metrics: meta.metrics, center: Float64Array.from(meta.center), scale: Float64Array.from(meta.scale), models };
    checkShapes(versionDir, snapshot);
    return snapshot;
  }

  private async readFormat1(entityDir: string, version: string): Promise<ModelSnapshot> {
    const json = JSON.parse(await readFile(join(entityDir, version, 'model.json'), 'utf8')) as ModelJson;
    const weights = await readFile(join(entityDir, version, WEIGHTS_FILE));
    return decodeSnapshot(json, weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer);
  }

  private async prune(entityDir: string, current: number): Promise<void> {
    const versions = (await readdir(entityDir))
      .map((name) => /^v(\d+)$/.exec(name)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .filter((v) => v < current)
      .sort((a, b) => b - a);
    for (const old of versions.slice(KEEP_PREVIOUS)) await rm(join(entityDir, `v${old}`), { recursive: true, force: true });
  }
}

/**
 * A snapshot whose parts disagree (hand-edited, or half-written by another tool) is refused
 * here, where a bad model is logged and skipped, rather than when a step of its entity is scored.
 */
function checkShapes(where: string, snap: ModelSnapshot): void {
  const m = Array.isArray(snap.metrics) ? snap.metrics.length : 0;
  if (m === 0) throw new Error(`${where}: no metric names`);
  if (snap.center.length !== m || snap.scale.length !== m) throw new Error(`${where}: normalisation for ${snap.center.length}/${snap.scale.length} metrics, names for ${m}`);
  if (snap.models.length === 0) throw new Error(`${where}: no ensemble members`);
  for (const model of snap.models) {
    if (model.inputSize !== snap.models[0]!.inputSize || model.inputSize % m !== 0) throw new Error(`${where}: member input size ${model.inputSize} does not fit ${m} metrics`);
  }
}

/** Entity ids can hold any character; a readable prefix plus a hash keeps folder names safe and unique. */
function folderOf(entity: string): string {
  const readable = entity.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60);
  return `${readable}-${createHash('sha256').update(entity).digest('hex').slice(0, 12)}`;
}
