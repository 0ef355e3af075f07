import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RiskModel } from './risk-model.js';

/** `<kind>-<first 12 hex of sha256 over the model files>`: changes whenever the weights do. */
export async function modelVersion(dir: string, model: RiskModel): Promise<string> {
  const hash = createHash('sha256');
  for (const f of ['model.json', 'weights.bin', 'risk-model.json']) {
    if (existsSync(join(dir, f))) hash.update(await readFile(join(dir, f)));
  }
  return `${model.metadata.kind}-${hash.digest('hex').slice(0, 12)}`;
}
