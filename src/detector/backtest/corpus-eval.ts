import { join } from 'node:path';
import { resolveOptions, type DetectorOverrides } from '../../lib/anomaly/index.js';
import { evaluateCorpus, findCsvFiles, readSeriesCsv, readWindowsFile, type Evaluation, type Windows } from '../../lib/evaluation/index.js';
import { backtestSeries } from './backtest-series.js';

/** A labelled corpus in memory: NAB's layout, a CSV per series under category folders and windows.json. */
export interface Corpus {
  readonly files: readonly { name: string; category: string; times: readonly number[]; rows: readonly (readonly number[])[]; windows: Windows }[];
}

/**
 * A file's category is its first folder; NAB's two artificial folders count as one (with and
 * without anomalies), as the issue that asked for leave-one-category-out says.
 */
export function categoryOf(relative: string): string {
  const first = relative.split('/')[0] ?? relative;
  return first.startsWith('artificial') ? 'artificial' : first;
}

export async function loadCorpus(dir: string, windowsFile = join(dir, 'windows.json')): Promise<Corpus> {
  const windows = await readWindowsFile(windowsFile);
  const found = await findCsvFiles(dir);
  const files = await Promise.all(
    found
      .filter((f) => windows.has(f.relative))
      .map(async (f) => {
        const t = await readSeriesCsv(f.path);
        return { name: f.relative, category: categoryOf(f.relative), times: t.times, rows: t.rows, windows: windows.get(f.relative)! };
      }),
  );
  if (files.length === 0) throw new Error(`no labelled CSV files under ${dir} (windows from ${windowsFile})`);
  return { files };
}

/** Every file's scores under one configuration (the backtest path: lockstep, 64-row chunks). */
export function scoreCorpus(corpus: Corpus, overrides: DetectorOverrides): number[][] {
  resolveOptions(overrides);
  const results = backtestSeries(
    corpus.files.map((f) => ({ entity: f.name, times: f.times, rows: f.rows })),
    overrides,
  );
  return results.map((r) => r.map((x) => x.score));
}

/** NAB scores of the files whose category passes the filter, with one threshold for all of them (the best, or `threshold`). */
export function evaluateScores(corpus: Corpus, scores: readonly (readonly number[])[], keep: (category: string) => boolean = () => true, threshold?: number): Evaluation {
  const picked = corpus.files.map((f, i) => ({ f, s: scores[i]! })).filter(({ f }) => keep(f.category));
  return evaluateCorpus(
    picked.map(({ f, s }) => ({ series: { name: f.name, times: f.times, scores: s }, windows: f.windows })),
    undefined,
    threshold,
  );
}

export function categories(corpus: Corpus): string[] {
  return [...new Set(corpus.files.map((f) => f.category))].sort();
}
