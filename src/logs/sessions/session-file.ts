import { readFileSync } from 'node:fs';

/** A session: the log keys (template ids) of one entity, in order. */
export type Session = readonly string[];

/** Read one session per line, keys separated by whitespace (the DeepLog HDFS layout). */
export function readSessions(path: string): Session[] {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => line.split(/\s+/));
}
