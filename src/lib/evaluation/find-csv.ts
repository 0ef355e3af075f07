import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** CSV files under a path (the path itself if it is a file), with paths relative to it, sorted. */
export async function findCsvFiles(input: string): Promise<{ path: string; relative: string }[]> {
  const info = await stat(input);
  if (info.isFile()) return [{ path: input, relative: input.split(/[\\/]/).pop()! }];
  const entries = await readdir(input, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.csv'))
    .map((e) => join(e.parentPath, e.name))
    .map((path) => ({ path, relative: relative(input, path).split('\\').join('/') }))
    .sort((a, b) => a.relative.localeCompare(b.relative));
}
