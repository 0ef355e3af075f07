import { join } from 'node:path';
import { Detector, type DetectorOverrides } from '../../lib/anomaly/index.js';
import { labelRows, type Evaluation } from '../../lib/evaluation/index.js';
import { categories, evaluateScores, loadCorpus, scoreCorpus, type Corpus } from './corpus-eval.js';
import { leaveOneCategoryOut, LOCO_GRID, type LocoRow } from './loco.js';

export interface DetectorEvalOptions {
  readonly input: string;
  readonly windows?: string;
  readonly detector?: DetectorOverrides;
  readonly loco?: boolean;
  readonly files?: boolean;
  readonly json?: boolean;
  readonly print?: (line: string) => void;
  readonly log?: (line: string) => void;
}

export interface DetectorEvalResult {
  readonly all: Evaluation;
  readonly byCategory: Record<string, Evaluation>;
  /** NAB's standard profile at the detector's own alarm level (one fleet-wide level, not the corpus' best). */
  readonly atAlarmLevel: Evaluation;
  /** Event-wise windows and false alarms at each tail probability of ALARM_RISKS: what an alarm level buys and costs. */
  readonly byAlarmRisk: AlarmRiskRow[];
  readonly loco?: LocoRow[];
}

export interface AlarmRiskRow {
  readonly alarmRisk: number;
  readonly score: number;
  readonly standard: number;
  readonly events: Evaluation['events'];
}

/** Alarm levels (`alarmRisk`, a row's tail probability) the sweep scores, loosest first. */
export const ALARM_RISKS = [1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 1e-5, 1e-6] as const;

/** The detector README's table: all files, per category, at the alarm level, and leave one category out. */
export async function runDetectorEval(options: DetectorEvalOptions): Promise<DetectorEvalResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const log = options.log ?? ((line: string) => console.error(line));
  const corpus = await loadCorpus(options.input, options.windows ?? join(options.input, 'windows.json'));
  const overrides = options.detector ?? {};
  const started = performance.now();
  const scores = scoreCorpus(corpus, overrides);
  const rows = corpus.files.reduce((n, f) => n + f.rows.length, 0);
  log(`detector-eval: ${corpus.files.length} files, ${rows} rows scored in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const all = evaluateScores(corpus, scores);
  const byCategory = Object.fromEntries(categories(corpus).map((c) => [c, evaluateScores(corpus, scores, (x) => x === c)]));
  const alarmLevel = new Detector(overrides).options;
  const atAlarmLevel = evaluateScores(corpus, scores, () => true, evidenceScore(-Math.log10(alarmLevel.alarmRisk)));
  const byAlarmRisk = ALARM_RISKS.map((alarmRisk) => {
    const e = evaluateScores(corpus, scores, () => true, evidenceScore(-Math.log10(alarmRisk)));
    return { alarmRisk, score: e.profiles[0]!.threshold, standard: e.profiles[0]!.score, events: e.events };
  });

  print(`settings: ${JSON.stringify(overrides)} (the rest: src/lib/anomaly/options.ts defaults)`);
  print('files                  standard  reward_low_FP  reward_low_FN  windows  false alarms  precision  recall');
  const line = (name: string, e: Evaluation) =>
    `${name.padEnd(22)} ${fmt(e.profiles[0]!.score, 8)} ${fmt(e.profiles[1]!.score, 14)} ${fmt(e.profiles[2]!.score, 14)}  ${`${e.events.detectedWindows}/${e.events.windows}`.padStart(7)} ${String(e.events.falseAlarms).padStart(13)} ${e.events.precision.toFixed(2).padStart(10)} ${e.events.recall.toFixed(2).padStart(7)}`;
  print(line(`all (${corpus.files.length})`, all));
  for (const [c, e] of Object.entries(byCategory)) print(line(`${c} (${corpus.files.filter((f) => f.category === c).length})`, e));
  print(`(event-wise figures at each row's standard threshold: ${all.profiles[0]!.threshold.toFixed(3)} for all files)`);
  const a = atAlarmLevel.events;
  print(`at the detector's alarm level (score >= ${atAlarmLevel.profiles[0]!.threshold.toFixed(3)}, p < ${alarmLevel.alarmRisk}): standard ${atAlarmLevel.profiles[0]!.score.toFixed(1)}, ${a.detectedWindows}/${a.windows} windows, ${a.falseAlarms} false alarms (one per ${Math.round(rows / Math.max(1, a.falseAlarms))} rows)`);
  print('alarm level (p <)  score >=  windows  false alarms  precision  recall  standard');
  for (const r of byAlarmRisk) {
    const e = r.events;
    print(`${String(r.alarmRisk).padEnd(18)} ${r.score.toFixed(3).padStart(8)}  ${`${e.detectedWindows}/${e.windows}`.padStart(7)} ${String(e.falseAlarms).padStart(13)} ${e.precision.toFixed(2).padStart(10)} ${e.recall.toFixed(2).padStart(7)} ${fmt(r.standard, 9)}`);
  }

  let loco: LocoRow[] | undefined;
  if (options.loco) {
    loco = leaveOneCategoryOut(corpus, overrides, LOCO_GRID, log);
    print(`leave one category out (grid: ${LOCO_GRID.map((g) => JSON.stringify(g)).join(' ')})`);
    print('held out               chosen on the others                     train  standard  reward_low_FP  standard at the others\' threshold');
    for (const r of loco) print(`${r.heldOut.padEnd(22)} ${JSON.stringify(r.chosen).padEnd(40)} ${fmt(r.train, 5)} ${fmt(r.standard, 9)} ${fmt(r.lowFp, 14)} ${fmt(r.standardAtTrainThreshold, 9)}`);
  }
  if (options.files) for (const l of fileLines(corpus, scores, all.profiles[0]!.threshold)) print(l);
  const result = { all, byCategory, atAlarmLevel, byAlarmRisk, ...(loco ? { loco } : {}) };
  if (options.json) print(JSON.stringify(result));
  return result;
}

function evidenceScore(evidence: number): number {
  return evidence / (evidence + 4);
}

function fmt(v: number, width: number): string {
  return v.toFixed(1).padStart(width);
}

/** Per file: where in each window the first detection fell (0 = its start), and the false alarms' rows. */
function fileLines(corpus: Corpus, scores: readonly (readonly number[])[], threshold: number): string[] {
  return corpus.files.map((f, i) => {
    const s = scores[i]!;
    const labels = labelRows(f.times, f.windows);
    const first = labels.windowRows.map(([a, b]) => {
      for (let k = Math.max(a, labels.probation); k <= b; k++) if (s[k]! >= threshold) return ((k - a) / (b - a + 1)).toFixed(2);
      return '--';
    });
    const alarms: number[] = [];
    let inRun = false;
    for (let k = labels.probation; k < s.length; k++) {
      const fired = s[k]! >= threshold && labels.windowOf[k]! < 0;
      if (fired && !inRun) alarms.push(k);
      inRun = fired;
    }
    return `${f.name.padEnd(60)} rows ${String(s.length).padStart(6)}  windows caught at [${first.join(' ')}]  false alarms ${alarms.length}${alarms.length ? ` (rows ${alarms.slice(0, 10).join(' ')}${alarms.length > 10 ? ' …' : ''})` : ''}`;
  });
}
