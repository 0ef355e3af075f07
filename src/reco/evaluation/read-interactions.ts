import { readFile } from 'node:fs/promises';
import type { Interaction } from '../types.js';

/**
 * Read `user item [rating] [timestamp]` rows separated by tabs, commas or spaces
 * (MovieLens u.data is `user\titem\trating\tunix_time`). A first line whose timestamp or item
 * column is not a number in a numeric file is taken as a header. Ratings are not weights:
 * every row is a positive interaction, as in the published top-k benchmarks.
 */
export async function readInteractions(file: string): Promise<Interaction[]> {
  return parseInteractions(await readFile(file, 'utf8'));
}

export function parseInteractions(text: string): Interaction[] {
  const out: Interaction[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, n) => {
    if (line.trim() === '') return;
    const cols = line.trim().split(/[\t,]|\s+/);
    const [user, item, , ts] = cols;
    if (user === undefined || item === undefined) throw new Error(`line ${n + 1}: expected at least user and item`);
    const timestamp = ts === undefined ? n : Number(ts);
    if (!Number.isFinite(timestamp)) {
      if (n === 0) return; // header
      throw new Error(`line ${n + 1}: timestamp ${JSON.stringify(ts)} is not a number`);
    }
    out.push({ user, item, timestamp });
  });
  return out;
}
