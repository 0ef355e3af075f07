import type { Windows } from '../../lib/evaluation/index.js';
import type { Forecast } from '../forecast/series-model.js';
import { crossing } from '../limits/breach.js';
import type { LimitRule } from '../limits/limit-rules.js';
import { PredictionTracker, type TrackerOptions } from '../limits/prediction-tracker.js';

/**
 * Limits for a labelled file, derived the same way for every file from its first rows only
 * (the probation period, before any origin): above the 99.5th percentile or below the 0.5th,
 * each moved out by 10% of the span between them — "beyond anything normal in the first part".
 */
export function derivedLimits(values: ArrayLike<number>, rows: number, metric: string): LimitRule[] {
  const sorted = Array.from({ length: rows }, (_, i) => values[i]!).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
  const hi = at(0.995);
  const lo = at(0.005);
  const margin = 0.1 * (hi - lo);
  return [
    { name: 'derived-high', metric, op: '>', value: hi + margin, labels: {} },
    { name: 'derived-low', metric, op: '<', value: lo - margin, labels: {} },
  ];
}

/** How long before a window's start a prediction still counts as a warning of it. */
export const LOOK_BACK_MS = 86_400_000;

export interface WindowLead {
  readonly window: readonly [number, number];
  /** Labelled anomaly points inside the window. */
  readonly labels: readonly number[];
  /** Time of the first prediction issued inside the window or at most LOOK_BACK_MS before it; undefined: none. */
  readonly firstPredictionAt?: number;
  readonly limit?: string;
  /** Window start − first prediction, in hours (negative: issued after the window opened). */
  readonly leadHoursBeforeWindow?: number;
  /** First labelled point − first prediction, in hours (negative: issued after it). */
  readonly leadHoursBeforeLabel?: number;
}

export interface FileLead {
  readonly file: string;
  /** The tracker's minimum probability for issuing (0: any band crossing). */
  readonly minProbability: number;
  readonly limits: ReadonlyArray<{ name: string; op: string; value: number }>;
  readonly windows: WindowLead[];
  /** Predictions issued (not updates) anywhere. */
  readonly issued: number;
  /** Issued predictions belonging to no window (nor its look-back). */
  readonly outsideWindows: number;
}

/**
 * Replays one file's rolling forecasts (every origin, in order) through the same crossing test
 * and prediction tracker the service uses, and measures how early the first prediction came
 * before each labelled window. A prediction belongs to a window when it is issued inside it or
 * at most LOOK_BACK_MS (a day) before its start; any other issued prediction is a false alarm.
 */
export function leadTimes(
  file: string,
  times: readonly number[],
  origins: readonly number[],
  forecasts: ReadonlyArray<Forecast | undefined>,
  stepMs: number,
  limits: readonly LimitRule[],
  windows: Windows,
  labels: readonly number[],
  quantiles: { low: number; high: number },
  tracker: Partial<TrackerOptions> = {},
): FileLead {
  const track = new PredictionTracker(tracker);
  const issued: Array<{ at: number; limit: string }> = [];
  origins.forEach((t, n) => {
    const f = forecasts[n];
    if (!f) return;
    for (const rule of limits) {
      const tr = track.observe(rule.name, times[t]!, stepMs, crossing(f, rule, quantiles));
      if (tr?.status === 'issued') issued.push({ at: times[t]!, limit: rule.name });
    }
  });
  const owner = (at: number) => windows.findIndex(([s, e]) => at >= s - LOOK_BACK_MS && at <= e);
  const byWindow = windows.map(([s, e], w): WindowLead => {
    const inside = labels.filter((l) => l >= s && l <= e);
    const first = issued.find((p) => owner(p.at) === w);
    if (!first) return { window: [s, e], labels: inside };
    return {
      window: [s, e],
      labels: inside,
      firstPredictionAt: first.at,
      limit: first.limit,
      leadHoursBeforeWindow: (s - first.at) / 3_600_000,
      ...(inside.length > 0 ? { leadHoursBeforeLabel: (inside[0]! - first.at) / 3_600_000 } : {}),
    };
  });
  return {
    file,
    minProbability: track.options.minProbability,
    limits: limits.map((l) => ({ name: l.name, op: l.op, value: l.value })),
    windows: byWindow,
    issued: issued.length,
    outsideWindows: issued.filter((p) => owner(p.at) < 0).length,
  };
}

export function formatLeadTimes(files: readonly FileLead[]): string {
  const fmt = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(1));
  const lines = ['| min p | file | window start | first prediction | limit | lead before window (h) | lead before label (h) |', '|---|---|---|---|---|---|---|'];
  for (const f of files) {
    for (const w of f.windows) {
      lines.push(`| ${f.minProbability} | ${f.file} | ${iso(w.window[0])} | ${w.firstPredictionAt === undefined ? 'none' : iso(w.firstPredictionAt)} | ${w.limit ?? '—'} | ${fmt(w.leadHoursBeforeWindow)} | ${fmt(w.leadHoursBeforeLabel)} |`);
    }
  }
  lines.push('', '| min p | file | limits | windows with a prediction | predictions issued | outside any window |', '|---|---|---|---|---|---|');
  for (const f of files) lines.push(`| ${f.minProbability} | ${f.file} | ${f.limits.map((l) => `${l.op} ${round(l.value)}`).join(', ')} | ${f.windows.filter((w) => w.firstPredictionAt !== undefined).length}/${f.windows.length} | ${f.issued} | ${f.outsideWindows} |`);
  return lines.join('\n');
}

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

function round(x: number): string {
  return Number(x.toPrecision(4)).toString();
}
