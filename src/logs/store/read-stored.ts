import { readFile } from 'node:fs/promises';

/**
 * A JSON file written by one of the logs stores, or undefined when there is none yet. A file of
 * another format (or damaged JSON) is an error, not a fresh start.
 */
export async function readStored<T extends { format: string }>(file: string, format: T['format'], what: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const body = JSON.parse(text) as T;
  if (body?.format !== format) throw new Error(`${file}: not ${what}`);
  return body;
}
