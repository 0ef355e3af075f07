import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SCORER, type DetectorOverrides, type ScoreResult } from '../../lib/anomaly/index.js';
import { findCsvFiles, readSeriesCsv, type SeriesTable } from '../../lib/evaluation/index.js';
import { backtestSeries, DEFAULT_CHUNK_ROWS } from './backtest-series.js';

export interface BacktestOptions {
  /** A CSV file, or a directory searched recursively for CSV files (one entity per file). */
  readonly input: string;
  /** Directory receiving one score CSV per input file, at the same relative path. */
  readonly output: string;
  readonly detector?: DetectorOverrides;
  readonly chunkRows?: number;
  readonly log?: (line: string) => void;
}

export interface BacktestSummary {
  readonly files: number;
  readonly rows: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
}

/** Score every input file through the streaming detector and write the scores beside each other. */
export async function runBacktest(options: BacktestOptions): Promise<BacktestSummary> {
  const log = options.log ?? ((line: string) => console.error(line));
  const files = await findCsvFiles(options.input);
  if (files.length === 0) throw new Error(`no CSV files under ${options.input}`);
  const tables = await Promise.all(files.map((f) => readSeriesCsv(f.path)));
  const started = performance.now();
  const scores = backtestSeries(
    tables.map((t, i) => ({ entity: files[i]!.relative, times: t.times, rows: t.rows })),
    options.detector,
    options.chunkRows ?? DEFAULT_CHUNK_ROWS,
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(
    files.map(async (f, i) => {
      const target = join(options.output, f.relative);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, scoresCsv(tables[i]!, scores[i]!));
    }),
  );
  const rows = tables.reduce((n, t) => n + t.rows.length, 0);
  const summary = { files: files.length, rows, seconds, rowsPerSecond: rows / Math.max(seconds, 1e-9) };
  log(`backtest: ${summary.files} files, ${rows} rows in ${seconds.toFixed(1)} s (${Math.round(summary.rowsPerSecond)} rows/s) → ${options.output}`);
  return summary;
}

/** One output row per input row, in order; top_metric names the column carrying most evidence, signal what it showed. */
function scoresCsv(table: SeriesTable, results: readonly ScoreResult[]): string {
  const lines = ['timestamp,anomaly_score,threshold,scorer,is_anomaly,top_metric,signal'];
  results.forEach((r, i) => {
    const top = r.cause ? (table.metrics[r.cause.metric] ?? '') : '';
    lines.push([csvCell(table.stamps[i] ?? ''), r.score.toFixed(6), r.threshold.toFixed(6), SCORER, r.isAnomaly ? 1 : 0, csvCell(top), r.cause?.signal ?? ''].join(','));
  });
  return lines.join('\n') + '\n';
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
