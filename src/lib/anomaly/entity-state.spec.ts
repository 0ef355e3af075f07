import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../platform/random.js';
import { Detector } from './detector.js';
import { DEFAULT_OPTIONS, type DetectorOverrides } from './options.js';
import type { Observation, ScoreResult } from './types.js';

/**
 * Entity snapshots of format 2, written by the detector of commit c0406cd~1 (before format 3
 * kept when a track began to report, and before the day-and-week track's handover) with
 * scripts/snapshot-format2.ts run in a worktree of that commit (the script says how). The
 * series is made again below; `valueSum` checks it is the same one. The old code's scores after
 * the second cut are kept: a deliberate change to how the detector scores changes them too, and
 * then the second case below says so (what it expects must be restated, not the fixture remade).
 */
interface Fixture {
  rows: number;
  valueSum: number;
  /** `tracks`: each series' tracks at the cut, as `kind:values` (e.g. `daily:1779 seasonal:61`). */
  snapshots: Array<{ cut: number; format: number; tracks: string[]; snapshot: string; scoresAfter?: number[] }>;
}
const fixture = JSON.parse(readFileSync('src/lib/anomaly/fixtures/snapshot-format2.json', 'utf8')) as Fixture;
const [notReporting, readyToReport] = fixture.snapshots as [Fixture['snapshots'][number], Fixture['snapshots'][number]];

const T0 = Date.UTC(2026, 0, 5);
/** As in the script: a daily cycle and a noisy gauge with a fault near the end, at 5 minutes. */
function series(n: number): Observation[] {
  const random = seededRandom(1);
  return Array.from({ length: n }, (_, i) => ({
    time: T0 + i * 5 * 60_000,
    values: [100 + 20 * Math.sin((2 * Math.PI * i) / 288) + 3 * random(), 10 + random() + (i >= n - 200 && i < n - 150 ? 6 : 0)],
  }));
}
const list = series(fixture.rows);

function scoreAll(d: Detector, rows: Observation[]): ScoreResult[] {
  const out: ScoreResult[] = [];
  for (let s = 0; s < rows.length; s += 64) {
    for (const row of rows.slice(s, s + 64)) d.observe('h', row);
    out.push(...d.scoreDue().flatMap((e) => e.results));
  }
  return out;
}

function restored(snapshot: string, overrides: DetectorOverrides = {}): Detector {
  const d = new Detector(overrides);
  d.restore('h', Buffer.from(snapshot, 'base64'));
  return d;
}

const scores = (results: ScoreResult[]) => results.map((r) => r.score);

describe('a format-2 entity snapshot, restored', () => {
  it('is of format 2 and of the series made here', () => {
    expect(fixture.snapshots.map((s) => s.format)).toEqual([2, 2]);
    expect(list.reduce((s, r) => s + r.values.reduce((a, b) => a + b, 0), 0)).toBe(fixture.valueSum);
    // The cuts are where the cases need them: the day-and-week track short of the values it
    // reports with, then holding exactly those.
    const seasonal = (s: Fixture['snapshots'][number]) => s.tracks.map((t) => Number(/seasonal:(\d+)/.exec(t)?.[1]));
    expect(seasonal(notReporting).every((n) => n < DEFAULT_OPTIONS.minValues)).toBe(true);
    expect(seasonal(readyToReport)).toEqual(readyToReport.tracks.map(() => DEFAULT_OPTIONS.minValues));
  });

  it('taken before the day-and-week track had the values to report: it gets its handover, and the rest scores exactly as from the start', () => {
    const d = restored(notReporting.snapshot);
    const after = scoreAll(d, list.slice(notReporting.cut));
    expect(d.rowsOf('h')).toBe(list.length);
    expect(after.every((r) => Number.isFinite(r.score) && Number.isFinite(r.pValue))).toBe(true);
    expect(after).toEqual(scoreAll(new Detector(), list).slice(notReporting.cut));
    // The handover matters here: without it (the old code's way) the same snapshot scores otherwise.
    expect(scores(scoreAll(restored(notReporting.snapshot, { handoverHours: 0 }), list.slice(notReporting.cut)))).not.toEqual(scores(after));
  });

  it('taken when that track had the values to report from the next row on: it takes over at once, and the rest scores exactly as the old code scored it', () => {
    const d = restored(readyToReport.snapshot);
    const after = scoreAll(d, list.slice(readyToReport.cut));
    expect(after.every((r) => Number.isFinite(r.score) && Number.isFinite(r.pValue))).toBe(true);
    expect(scores(after)).toEqual(readyToReport.scoresAfter);
    // This is not how the current code scores from the start (that gives the track its handover).
    expect(scores(after)).not.toEqual(scores(scoreAll(new Detector(), list).slice(readyToReport.cut)));
  });
});
