import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { evaluateCorpus, type Evaluation, type LabelledSeries } from '../../lib/evaluation/index.js';
import { findCsvFiles, parseTimestamp, readWindowsFile } from '../../lib/evaluation/index.js';

export interface EvaluateOptions {
  /** Directory of score CSVs (timestamp, anomaly_score), laid out like the labelled corpus. */
  readonly scores: string;
  /** NAB-style windows.json: relative path → [[start, end], ...]. */
  readonly windows: string;
  /** Print one JSON object as the last line. */
  readonly json?: boolean;
  readonly print?: (line: string) => void;
}

/** NAB scores of a directory of detector outputs, all three profiles plus event-wise P/R/F1. */
export async function runEvaluate(options: EvaluateOptions): Promise<Evaluation> {
  const print = options.print ?? ((line: string) => console.log(line));
  const windows = await readWindowsFile(options.windows);
  const files = new Map((await findCsvFiles(options.scores)).map((f) => [f.relative, f.path]));
  const missing = [...windows.keys()].filter((k) => !files.has(k));
  if (missing.length > 0) throw new Error(`no scores for ${missing.length} labelled file(s): ${missing.slice(0, 5).join(', ')}`);
  const corpus: LabelledSeries[] = await Promise.all(
    [...windows.entries()].map(async ([name, w]) => ({ series: await readScores(name, files.get(name)!), windows: w })),
  );
  const result = evaluateCorpus(corpus);
  print(`NAB scores over ${result.files} files, ${result.windows} windows`);
  print('profile          score  threshold   tp   fp   fn');
  for (const p of result.profiles) {
    print(`${p.profile.padEnd(14)} ${p.score.toFixed(2).padStart(7)}  ${p.threshold.toFixed(4).padStart(9)} ${String(p.tp).padStart(4)} ${String(p.fp).padStart(4)} ${String(p.fn).padStart(4)}`);
  }
  const e = result.events;
  print(`event-wise at the standard threshold: precision ${e.precision.toFixed(3)} recall ${e.recall.toFixed(3)} F1 ${e.f1.toFixed(3)} (${e.detectedWindows}/${e.windows} windows detected, ${e.falseAlarms} false alarms)`);
  if (options.json) print(JSON.stringify(result));
  return result;
}

async function readScores(name: string, path: string) {
  const records = parse(await readFile(path, 'utf8'), { bom: true, columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  const times: number[] = [];
  const scores: number[] = [];
  for (const r of records) {
    if (r.timestamp === undefined || r.anomaly_score === undefined) throw new Error(`${path}: needs timestamp and anomaly_score columns`);
    times.push(parseTimestamp(r.timestamp));
    scores.push(Number(r.anomaly_score));
  }
  return { name, times, scores };
}
