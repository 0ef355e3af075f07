import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

/** One Loghub system's sample: raw lines and the ground-truth event id of each. */
export interface LoghubSystem {
  name: string;
  lines: string[];
  eventIds: string[];
}

/**
 * Load every system under a loghub-2k style directory (`<System>/<System>_2k.log` and
 * `<System>_2k.log_structured.csv`). Lines are paired with ground truth by LineId.
 */
export function loadLoghub(dir: string, only?: readonly string[]): LoghubSystem[] {
  const names = readdirSync(dir)
    .filter((n) => statSync(join(dir, n)).isDirectory())
    .filter((n) => !only || only.includes(n))
    .sort();
  return names.flatMap((name) => {
    const sysDir = join(dir, name);
    const files = readdirSync(sysDir);
    const log = files.find((f) => f.endsWith('.log'));
    const structured = files.find((f) => f.endsWith('.log_structured.csv'));
    if (!log || !structured) return [];
    return [loadSystem(name, join(sysDir, log), join(sysDir, structured))];
  });
}

export function loadSystem(name: string, logPath: string, structuredPath: string): LoghubSystem {
  const lines = readFileSync(logPath, 'utf8').split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  const rows = parse(readFileSync(structuredPath), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  if (rows.length !== lines.length) throw new Error(`${name}: ${lines.length} lines but ${rows.length} ground-truth rows`);
  const eventIds = new Array<string>(lines.length);
  for (const row of rows) {
    const index = Number(row.LineId) - 1;
    const id = row.EventId;
    if (!(index >= 0 && index < lines.length) || id === undefined) throw new Error(`${name}: bad ground-truth row ${JSON.stringify(row)}`);
    eventIds[index] = id;
  }
  return { name, lines, eventIds };
}
