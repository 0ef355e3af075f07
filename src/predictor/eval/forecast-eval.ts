import { findCsvFiles, readSeriesCsv, samplingInterval, type Windows } from '../../lib/evaluation/index.js';
import { hashString } from '../../platform/random.js';
import { dailySeason } from '../forecast/features.js';
import { DEFAULT_FORECASTER, type ForecasterOptions } from '../forecast/options.js';
import { derivedLimits, leadTimes, type FileLead } from './lead-time.js';
import { Accuracy, maseScale, seasonalNaive } from './metrics.js';
import { rollingForecasts, type RollingSeries } from './rolling.js';

export interface ForecastEvalOptions {
  readonly input: string;
  readonly horizon?: number;
  /** Every k-th origin is evaluated (the models still train on every row). */
  readonly originStride: number;
  readonly forecaster?: Partial<ForecasterOptions>;
  readonly log?: (line: string) => void;
  /**
   * Also replay every origin of the files with labelled windows through the prediction
   * lifecycle, against limits derived from their first rows (see lead-time.ts).
   */
  readonly leadTime?: { readonly windows: ReadonlyMap<string, Windows>; readonly labels: ReadonlyMap<string, readonly number[]> };
}

export interface SeriesResult {
  readonly file: string;
  readonly metric: string;
  readonly rows: number;
  readonly origins: number;
  /** Season of the seasonal-naive baseline in steps (0: naive last value). */
  readonly season: number;
  readonly lstm: { mase: number; smape: number };
  readonly seasonalNaive: { mase: number; smape: number };
}

export interface ForecastEvalReport {
  readonly horizon: number;
  readonly originStride: number;
  readonly series: SeriesResult[];
  /** Means over the series (MASE is scale-free, so series of any unit average fairly). */
  readonly overall: { lstm: { mase: number; smape: number }; seasonalNaive: { mase: number; smape: number } };
  readonly leadTimes?: FileLead[];
  readonly seconds: number;
}

/** A numeric column as a series: missing values carry the last one forward. */
export function filled(rows: readonly number[][], column: number): Float64Array {
  const out = new Float64Array(rows.length);
  let last = 0;
  let seen = false;
  rows.forEach((r, i) => {
    const v = r[column]!;
    if (Number.isFinite(v)) {
      last = v;
      if (!seen) out.fill(v, 0, i);
      seen = true;
    }
    out[i] = last;
  });
  return out;
}

/**
 * Rolling-origin backtest: from the first origin after the probation period (15% of the rows,
 * and not before the forecaster's cold start) to the last origin with H actuals, every
 * `originStride`-th origin; each forecasts t+1..t+H, scored against the actuals, next to a
 * seasonal-naive forecast from the same origins. The baseline's season and the MASE scale come
 * from the rows before the first origin only.
 */
export async function runForecastEval(opts: ForecastEvalOptions): Promise<ForecastEvalReport> {
  const started = performance.now();
  const o: ForecasterOptions = { ...DEFAULT_FORECASTER, ...opts.forecaster, ...(opts.horizon ? { horizon: opts.horizon } : {}) };
  const h = o.horizon;
  const files = await findCsvFiles(opts.input);
  const series: Array<RollingSeries & { file: string; metric: string; start: number; season: number; scale: number; times: readonly number[]; windows?: Windows }> = [];
  for (const f of files) {
    const table = await readSeriesCsv(f.path);
    const stepMs = samplingInterval(table.times.slice(0, 1000));
    table.metrics.forEach((metric, column) => {
      const values = filled(table.rows, column);
      const start = Math.max(o.coldStartRows, Math.floor(0.15 * values.length));
      const windows = opts.leadTime ? lookUp(opts.leadTime.windows, f.relative) : undefined;
      // Lead times need every origin; accuracy still uses every originStride-th.
      const every = windows && windows.length > 0 ? 1 : opts.originStride;
      const origins: number[] = [];
      for (let t = start; t + h < values.length; t += every) origins.push(t);
      if (origins.length === 0) return;
      series.push({
        file: f.relative,
        metric,
        values,
        stepMs,
        origins,
        seed: o.seed + (hashString(`${f.relative}/${metric}`) % 1000),
        start,
        season: dailySeason(values, stepMs, 0, start, o.seasonCorrelation),
        scale: maseScale(values, 0, start),
        times: table.times,
        ...(windows && windows.length > 0 ? { windows } : {}),
      });
    });
  }
  const forecasts = await rollingForecasts(series, o, opts.log);
  const results: SeriesResult[] = series.map((s, i) => {
    const lstm = new Accuracy(s.scale);
    const naive = new Accuracy(s.scale);
    s.origins.forEach((t, n) => {
      const f = forecasts[i]![n];
      if (!f || (t - s.start) % opts.originStride !== 0) return;
      for (let k = 1; k <= h; k++) {
        const actual = s.values[t + k]!;
        lstm.add(actual, f.median[k - 1]!);
        naive.add(actual, seasonalNaive(s.values, t, k, s.season));
      }
    });
    return {
      file: s.file,
      metric: s.metric,
      rows: s.values.length,
      origins: lstm.count / h,
      season: s.season,
      lstm: { mase: lstm.mase, smape: lstm.sMape },
      seasonalNaive: { mase: naive.mase, smape: naive.sMape },
    };
  });
  // Two issuing rules: any band crossing (the service's default) and a median crossing (p >= 0.5).
  const lead = opts.leadTime
    ? [0, 0.5].flatMap((minProbability) =>
        series.flatMap((s, i) =>
          s.windows
            ? [
                leadTimes(
                  s.file,
                  s.times,
                  s.origins,
                  forecasts[i]!,
                  s.stepMs,
                  derivedLimits(s.values, s.start, s.metric),
                  s.windows,
                  lookUp(opts.leadTime!.labels, s.file) ?? [],
                  { low: o.lowQuantile, high: o.highQuantile },
                  { minProbability },
                ),
              ]
            : [],
        ),
      )
    : undefined;
  const mean = (pick: (r: SeriesResult) => number) => results.reduce((a, r) => a + pick(r), 0) / Math.max(1, results.length);
  return {
    horizon: h,
    originStride: opts.originStride,
    series: results,
    overall: {
      lstm: { mase: mean((r) => r.lstm.mase), smape: mean((r) => r.lstm.smape) },
      seasonalNaive: { mase: mean((r) => r.seasonalNaive.mase), smape: mean((r) => r.seasonalNaive.smape) },
    },
    ...(lead ? { leadTimes: lead } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}

/** windows.json / labels.json keys are relative to the corpus root; the input may be a sub-folder. */
function lookUp<T>(map: ReadonlyMap<string, T>, relative: string): T | undefined {
  for (const [key, value] of map) if (key === relative || key.endsWith(`/${relative}`)) return value;
  return undefined;
}

/** The report as a Markdown table (what the README shows). */
export function formatForecastEval(r: ForecastEvalReport): string {
  const lines = [
    `| file | rows | origins | baseline | LSTM MASE | LSTM sMAPE % | seasonal-naive MASE | seasonal-naive sMAPE % |`,
    `|---|---|---|---|---|---|---|---|`,
  ];
  for (const s of r.series) {
    const name = s.metric === 'value' ? s.file : `${s.file} ${s.metric}`;
    const base = s.season > 0 ? `seasonal (${s.season} steps)` : 'naive (no daily season)';
    lines.push(`| ${name} | ${s.rows} | ${s.origins} | ${base} | ${s.lstm.mase.toFixed(3)} | ${s.lstm.smape.toFixed(2)} | ${s.seasonalNaive.mase.toFixed(3)} | ${s.seasonalNaive.smape.toFixed(2)} |`);
  }
  const o = r.overall;
  lines.push(`| **mean** | | | | **${o.lstm.mase.toFixed(3)}** | **${o.lstm.smape.toFixed(2)}** | **${o.seasonalNaive.mase.toFixed(3)}** | **${o.seasonalNaive.smape.toFixed(2)}** |`);
  return lines.join('\n');
}
