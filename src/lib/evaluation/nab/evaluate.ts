import { labelRows } from './label-rows.js';
import { NAB_PROFILES, type CostProfile } from './profiles.js';
import { rowReward } from './row-reward.js';
import type { EventMetrics, Evaluation, ProfileResult, RowLabels, ScoredSeries, Windows } from './types.js';

export interface LabelledSeries {
  readonly series: ScoredSeries;
  readonly windows: Windows;
}

interface Prepared {
  readonly series: ScoredSeries;
  readonly labels: RowLabels;
  /** Global id of each window, or -1 for a window wholly inside the probationary period. */
  readonly windowIds: readonly number[];
}

/**
 * Score a corpus under every NAB profile, each with its own corpus-wide optimal threshold — or,
 * given `threshold`, at that fixed level (as an alarm level chosen elsewhere would be applied).
 */
export function evaluateCorpus(corpus: readonly LabelledSeries[], profiles = NAB_PROFILES, threshold?: number): Evaluation {
  const prepared = prepare(corpus);
  const windows = prepared.reduce((n, p) => n + p.windowIds.filter((id) => id >= 0).length, 0);
  const results = profiles.map((profile) => scoreProfile(prepared, windows, profile, threshold));
  const standard = results.find((r) => r.profile === 'standard') ?? results[0];
  return {
    files: corpus.length,
    windows,
    profiles: results,
    events: eventMetrics(prepared, standard?.threshold ?? Infinity),
  };
}

function prepare(corpus: readonly LabelledSeries[]): Prepared[] {
  let nextId = 0;
  return corpus.map(({ series, windows }) => {
    if (series.times.length !== series.scores.length) {
      throw new Error(`${series.name}: ${series.times.length} timestamps but ${series.scores.length} scores`);
    }
    const labels = labelRows(series.times, windows);
    // NAB only counts a window that has rows after the probationary period.
    const windowIds = labels.windowRows.map(([, last]) => (last >= labels.probation ? nextId++ : -1));
    return { series, labels, windowIds };
  });
}

/**
 * Sweep every distinct score as a threshold (detections are rows with score >= threshold, after
 * probation), keeping the total that is highest; ties go to the higher threshold as in NAB.
 */
function scoreProfile(prepared: readonly Prepared[], windows: number, profile: CostProfile, fixed?: number): ProfileResult {
  const rows: { score: number; reward: number; window: number }[] = [];
  const perfectByWindow = new Map<number, number>();
  for (const p of prepared) {
    for (let i = p.labels.probation; i < p.series.scores.length; i++) {
      const w = p.labels.windowOf[i]!;
      const window = w >= 0 ? p.windowIds[w]! : -1;
      const reward = rowReward(p.labels, i, profile);
      rows.push({ score: p.series.scores[i]!, reward, window });
      if (window >= 0) perfectByWindow.set(window, Math.max(perfectByWindow.get(window) ?? -Infinity, reward));
    }
  }
  rows.sort((a, b) => b.score - a.score);

  const nullScore = -profile.fn * windows;
  const perfect = [...perfectByWindow.values()].reduce((s, v) => s + v, 0);
  const best = new Float64Array(windows).fill(-profile.fn);
  let total = nullScore;
  let bestTotal = nullScore;
  let bestThreshold = fixed ?? Infinity;
  for (let k = 0; k < rows.length; ) {
    const threshold = rows[k]!.score;
    for (; k < rows.length && rows[k]!.score === threshold; k++) {
      const { reward, window } = rows[k]!;
      if (window < 0) total += reward;
      else if (reward > best[window]!) {
        total += reward - best[window]!;
        best[window] = reward;
      }
    }
    if (fixed === undefined ? total > bestTotal : threshold >= fixed) {
      bestTotal = total;
      bestThreshold = fixed ?? threshold;
    }
  }

  const counts = countAt(prepared, bestThreshold);
  return {
    profile: profile.name,
    threshold: bestThreshold,
    raw: bestTotal,
    null: nullScore,
    perfect,
    score: perfect === nullScore ? 0 : (100 * (bestTotal - nullScore)) / (perfect - nullScore),
    tp: counts.detectedWindows,
    fn: windows - counts.detectedWindows,
    fp: counts.fpRows,
  };
}

function countAt(prepared: readonly Prepared[], threshold: number) {
  let detectedWindows = 0;
  let fpRows = 0;
  let falseAlarms = 0;
  for (const p of prepared) {
    const hit = new Set<number>();
    let inRun = false;
    for (let i = p.labels.probation; i < p.series.scores.length; i++) {
      const fired = p.series.scores[i]! >= threshold;
      const w = p.labels.windowOf[i]!;
      const id = w >= 0 ? p.windowIds[w]! : -1;
      if (fired && id >= 0) hit.add(id);
      if (fired && w < 0) {
        fpRows++;
        if (!inRun) falseAlarms++;
      }
      inRun = fired && w < 0;
    }
    detectedWindows += hit.size;
  }
  return { detectedWindows, fpRows, falseAlarms };
}

/** Event-wise view: a window counts once if detected; each run of detections outside windows is one false alarm. */
function eventMetrics(prepared: readonly Prepared[], threshold: number): EventMetrics {
  const windows = prepared.reduce((n, p) => n + p.windowIds.filter((id) => id >= 0).length, 0);
  const { detectedWindows, falseAlarms } = countAt(prepared, threshold);
  const precision = detectedWindows + falseAlarms > 0 ? detectedWindows / (detectedWindows + falseAlarms) : 0;
  const recall = windows > 0 ? detectedWindows / windows : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { threshold, detectedWindows, windows, falseAlarms, precision, recall, f1 };
}
