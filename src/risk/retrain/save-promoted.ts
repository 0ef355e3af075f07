import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { RiskFeatureState } from '../features/feature-state.js';
import { modelVersion } from '../model/model-version.js';
import type { RiskModel } from '../model/risk-model.js';
import { FEATURE_STATE_FILE } from '../train.js';
import { writeStateJson } from './write-state.js';

/** The files `vigil risk train` writes, in the order they are moved in (metadata last: it names the kind). */
const FILES = ['weights.bin', 'model.json', 'risk-model.json', FEATURE_STATE_FILE];

/**
 * Writes a promoted model as `vigil risk train` does (the tfjs files, `risk-model.json`, and the
 * feature state as of now, so a restart starts warm and from this model), and returns its version.
 * Everything is written to a sibling directory first and then renamed in file by file: a crash
 * leaves whole files, never a half-written one. `pause` is awaited while the state is written.
 */
export async function savePromotedModel(dir: string, model: RiskModel, state: RiskFeatureState, pause: () => Promise<void>): Promise<string> {
  const staging = join(dirname(dir), `.${basename(dir)}.retrain-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await model.save(staging);
    await writeStateJson(join(staging, FEATURE_STATE_FILE), state.toJSON(), pause);
    await mkdir(dir, { recursive: true });
    for (const f of FILES) await rename(join(staging, f), join(dir, f));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return modelVersion(dir, model);
}
