import { readFile } from 'node:fs/promises';
import type { Windows } from './nab/types.js';
import { parseTimestamp } from './csv.js';

/** NAB's windows.json: relative file path → [[start, end], ...] timestamps. */
export async function readWindowsFile(path: string): Promise<Map<string, Windows>> {
  const json = JSON.parse(await readFile(path, 'utf8')) as Record<string, [string, string][]>;
  return new Map(
    Object.entries(json).map(([file, windows]) => [
      file.split('\\').join('/'),
      windows.map(([start, end]) => [parseTimestamp(start), parseTimestamp(end)] as const),
    ]),
  );
}
