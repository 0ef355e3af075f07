import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shared data sets: `../shared/data` beside the repository (what each holds: its README.md),
 * or VIGIL_DATA_DIR for a checkout that lives elsewhere (a CI clone in a temporary directory).
 */
export const DATA_DIR = process.env.VIGIL_DATA_DIR ? resolve(process.env.VIGIL_DATA_DIR) : resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/data');

/**
 * The path of a data set under DATA_DIR. A test that needs one calls this inside the test, so a
 * missing set fails that test, saying what is missing and where it was looked for, instead of
 * skipping it unnoticed.
 */
export function dataSet(relative: string): string {
  const path = join(DATA_DIR, relative);
  if (!existsSync(path)) throw new Error(`data set ${relative} not found at ${path}: the shared data belongs in ../shared/data beside the repository, or set VIGIL_DATA_DIR`);
  return path;
}
