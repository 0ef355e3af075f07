import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeSnapshot, encodeSnapshot, WEIGHTS_FILE, type ModelJson, type ModelSnapshot } from './model-snapshot.js';

/** Versions kept per entity besides the current one, to roll back by hand if a retrain went bad. */
const KEEP_PREVIOUS = 1;

/**
 * Trained detector models on disk, one folder per entity, one sub-folder per version:
 * `<dir>/<entity-hash>/v<version>/{model.json,weights.bin}` plus a `current` file naming the
 * version in use. A version is written to a temporary folder and renamed into place, then
 * `current` is replaced by rename too, so a reader (or a crash) never sees half a model.
 */
export class ModelStore {
  constructor(readonly dir: string) {}

  async save(snapshot: ModelSnapshot): Promise<void> {
    const { json, weights } = await encodeSnapshot(snapshot);
    const entityDir = join(this.dir, folderOf(snapshot.entity));
    const version = `v${snapshot.version}`;
    const tmp = join(entityDir, `.${version}.${process.pid}.tmp`);
    await mkdir(tmp, { recursive: true });
    await writeFile(join(tmp, 'model.json'), JSON.stringify(json));
    await writeFile(join(tmp, WEIGHTS_FILE), new Uint8Array(weights));
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

/** Entity ids can hold any character; a readable prefix plus a hash keeps folder names safe and unique. */
function folderOf(entity: string): string {
  const readable = entity.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60);
  return `${readable}-${createHash('sha256').update(entity).digest('hex').slice(0, 12)}`;
}
