import { DeepLogDetector, type DeepLogOptions, type SessionScore, type TrainingSummary } from './deeplog-detector.js';
import { scoreDetections, scoreScaled, type DetectionScores } from './detection-metrics.js';
import { NgramDetector, type NgramOptions } from './ngram-detector.js';
import type { Session } from './session-file.js';

/** The HDFS normal test set has 553,366 sessions; the shared sample keeps 5,583 of them. */
export const HDFS_NORMAL_SCALE = 553_366 / 5_583;

export interface SessionsEvalInput {
  train: readonly Session[];
  testNormal: readonly Session[];
  testAbnormal: readonly Session[];
  /** Multiply false positives by this for the scaled scores (default: the HDFS sample ratio). */
  normalScale?: number;
  deeplog?: Partial<DeepLogOptions>;
  ngram?: Partial<NgramOptions>;
  /** Context lengths of the n-gram baselines (n - 1). */
  ngramContexts?: number[];
}

export const DEFAULT_NGRAM_CONTEXTS = [1, 2, 3];

export interface DetectorResult {
  name: string;
  options: object;
  raw: DetectionScores;
  scaled: DetectionScores;
  trainMillis: number;
  detectMillis: number;
  training?: TrainingSummary;
  /** The LSTM under other g and probability floors, from the same scores (how sensitive the choice is). */
  sweep?: { rule: string; fp: number; tp: number; f1: number; scaledF1: number }[];
}

export interface SessionsEvalReport {
  sessions: { train: number; testNormal: number; testAbnormal: number };
  normalScale: number;
  detectors: DetectorResult[];
}

export async function evaluateSessions(input: SessionsEvalInput, log: (msg: string) => void = () => {}): Promise<SessionsEvalReport> {
  const scale = input.normalScale ?? HDFS_NORMAL_SCALE;
  const score = (name: string, options: object, flagsN: boolean[], flagsA: boolean[], trainMillis: number, detectMillis: number): DetectorResult => {
    const fp = flagsN.filter(Boolean).length;
    const tp = flagsA.filter(Boolean).length;
    return {
      name,
      options,
      raw: scoreDetections(tp, flagsA.length, fp),
      scaled: scoreScaled(tp, flagsA.length, fp, scale),
      trainMillis,
      detectMillis,
    };
  };

  // Several n-gram orders, so the LSTM is compared with the best of them, not a straw man.
  const ngramResults = (input.ngramContexts ?? DEFAULT_NGRAM_CONTEXTS).map((context) => {
    let t = performance.now();
    const ngram = new NgramDetector(input.train, { ...input.ngram, context });
    const trainMillis = performance.now() - t;
    t = performance.now();
    const flagsN = input.testNormal.map((s) => ngram.isAnomalous(s));
    const flagsA = input.testAbnormal.map((s) => ngram.isAnomalous(s));
    return score(`${context + 1}-gram`, ngram.options, flagsN, flagsA, Math.round(trainMillis), Math.round(performance.now() - t));
  });

  const deeplog = new DeepLogDetector(input.deeplog);
  try {
    const training = await deeplog.train(input.train, log);
    const t = performance.now();
    const scoresN = await deeplog.scoreSessions(input.testNormal);
    const scoresA = await deeplog.scoreSessions(input.testAbnormal);
    const detectMillis = Math.round(performance.now() - t);
    // One scoring pass, both decision rules: DeepLog's top-g and the probability floor.
    const rules = ['top-g', 'probability'] as const;
    const lstm = rules.map((rule) => {
      const name = rule === 'top-g' ? `lstm top-${deeplog.options.topG}` : `lstm p<${deeplog.options.minProbability}`;
      const flag = (sc: SessionScore) => deeplog.isAnomalous(sc, rule);
      const result = score(name, { ...deeplog.options, rule }, scoresN.map(flag), scoresA.map(flag), training.millis, detectMillis);
      result.training = training;
      return result;
    });
    lstm[0]!.sweep = sweepRules(scoresN, scoresA, scale);
    return {
      sessions: { train: input.train.length, testNormal: input.testNormal.length, testAbnormal: input.testAbnormal.length },
      normalScale: scale,
      detectors: [...lstm, ...ngramResults],
    };
  } finally {
    deeplog.dispose();
  }
}

function sweepRules(normal: SessionScore[], abnormal: SessionScore[], scale: number): NonNullable<DetectorResult['sweep']> {
  const rows: NonNullable<DetectorResult['sweep']> = [];
  const add = (rule: string, flag: (s: SessionScore) => boolean) => {
    const fp = normal.filter(flag).length;
    const tp = abnormal.filter(flag).length;
    rows.push({ rule, fp, tp, f1: scoreDetections(tp, abnormal.length, fp).f1, scaledF1: scoreScaled(tp, abnormal.length, fp, scale).f1 });
  };
  for (let g = 1; g <= 12; g++) add(`top-${g}`, (s) => s.worstRank >= g);
  for (const p of [1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 1e-5]) add(`p<${p}`, (s) => s.minProb < p);
  return rows;
}
