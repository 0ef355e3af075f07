import { DeepLogDetector, type DeepLogOptions, type SessionScore, type TrainingSummary } from './deeplog-detector.js';
import { scoreDetections, scoreScaled, type DetectionScores } from './detection-metrics.js';
import { KeyPairs } from './key-pairs.js';
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
  /**
   * The logs service's decision (rule, key pairs, floor, g): its row is marked `shipped`. Its
   * floor and g are the LSTM's unless `deeplog` says otherwise (then no row is the service's).
   */
  shipped?: { rule: DeepLogOptions['rule']; keyPairs: boolean; minProbability?: number; topG?: number };
  /** Keep each test session's LSTM score and key-pair verdict in the report (to study other rules offline). */
  keepSessionScores?: boolean;
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
  /**
   * The LSTM under other g and probability floors, from the same scores (how sensitive the
   * choice is); on the "+ pairs" row, each of them together with the key-pair invariant.
   */
  sweep?: { rule: string; fp: number; tp: number; f1: number; scaledF1: number }[];
  /** The row the logs service decides by with its configuration (`shipped` in the input). */
  shipped?: boolean;
}

export interface SessionsEvalReport {
  sessions: { train: number; testNormal: number; testAbnormal: number };
  normalScale: number;
  detectors: DetectorResult[];
  /** Per test session, in file order (with `keepSessionScores`): the LSTM's score and whether it breaks a key pair. */
  sessionScores?: { normal: SessionVerdict[]; abnormal: SessionVerdict[] };
}

/** A test session's lowest probability and worst rank under the LSTM (0 / Infinity: an unseen key), and its key-pair verdict. */
export interface SessionVerdict extends SessionScore {
  pairs: boolean;
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

  // The order-free invariant: every sequence detector is reported alone and together with it.
  let t0 = performance.now();
  const keyPairs = new KeyPairs(input.train);
  const pairsTrainMillis = Math.round(performance.now() - t0);
  t0 = performance.now();
  const pairsN = input.testNormal.map((s) => keyPairs.isAnomalous(s));
  const pairsA = input.testAbnormal.map((s) => keyPairs.isAnomalous(s));
  const pairs = score('key pairs', { pairs: keyPairs.size }, pairsN, pairsA, pairsTrainMillis, Math.round(performance.now() - t0));
  const withPairs = (flags: boolean[], pairFlags: boolean[]) => flags.map((f, i) => f || pairFlags[i]!);
  /** A detector's row and its row with the key-pair invariant added. */
  const both = (name: string, options: object, flagsN: boolean[], flagsA: boolean[], trainMillis: number, detectMillis: number): [DetectorResult, DetectorResult] => [
    score(`${name} + pairs`, { ...options, keyPairs: true }, withPairs(flagsN, pairsN), withPairs(flagsA, pairsA), trainMillis + pairs.trainMillis, detectMillis + pairs.detectMillis),
    score(name, options, flagsN, flagsA, trainMillis, detectMillis),
  ];

  // Several n-gram orders, so the LSTM is compared with the best of them, not a straw man.
  const ngramResults = (input.ngramContexts ?? DEFAULT_NGRAM_CONTEXTS).flatMap((context) => {
    const t = performance.now();
    const ngram = new NgramDetector(input.train, { ...input.ngram, context });
    const trainMillis = performance.now() - t;
    const t1 = performance.now();
    const flagsN = input.testNormal.map((s) => ngram.isAnomalous(s));
    const flagsA = input.testAbnormal.map((s) => ngram.isAnomalous(s));
    return both(`${context + 1}-gram`, ngram.options, flagsN, flagsA, Math.round(trainMillis), Math.round(performance.now() - t1));
  });

  const service = input.shipped;
  const deeplog = new DeepLogDetector({ ...defined({ minProbability: service?.minProbability, topG: service?.topG }), ...input.deeplog });
  try {
    const training = await deeplog.train(input.train, log);
    const t = performance.now();
    const scoresN = await deeplog.scoreSessions(input.testNormal);
    const scoresA = await deeplog.scoreSessions(input.testAbnormal);
    const detectMillis = Math.round(performance.now() - t);
    // One scoring pass, both decision rules: DeepLog's top-g and the probability floor.
    const rules = ['top-g', 'probability'] as const;
    const lstm = rules.flatMap((rule) => {
      const name = rule === 'top-g' ? `lstm top-${deeplog.options.topG}` : `lstm p<${deeplog.options.minProbability}`;
      const flag = (sc: SessionScore) => deeplog.isAnomalous(sc, rule);
      const rows = both(name, { ...deeplog.options, rule }, scoresN.map(flag), scoresA.map(flag), training.millis, detectMillis);
      for (const r of rows) r.training = training;
      return rows;
    });
    // The probability rule with the invariant leads the report; the sweeps show both with and without it.
    const [topPairs, top, floorPairs, floor] = lstm as [DetectorResult, DetectorResult, DetectorResult, DetectorResult];
    const floors = [...new Set([...SWEEP_FLOORS, deeplog.options.minProbability])].sort((a, b) => b - a);
    floorPairs.sweep = sweepRules(scoresN, scoresA, scale, floors, pairsN, pairsA);
    floor.sweep = sweepRules(scoresN, scoresA, scale, floors);
    if (service) {
      const { rule, keyPairs } = service;
      const same = rule === 'probability' ? (service.minProbability ?? deeplog.options.minProbability) === deeplog.options.minProbability : (service.topG ?? deeplog.options.topG) === deeplog.options.topG;
      const row = rule === 'probability' ? (keyPairs ? floorPairs : floor) : keyPairs ? topPairs : top;
      if (same) row.shipped = true;
    }
    return {
      sessions: { train: input.train.length, testNormal: input.testNormal.length, testAbnormal: input.testAbnormal.length },
      normalScale: scale,
      detectors: [floorPairs, floor, topPairs, top, pairs, ...ngramResults],
      ...(input.keepSessionScores
        ? {
            sessionScores: {
              normal: scoresN.map((s, i) => ({ ...s, pairs: pairsN[i]! })),
              abnormal: scoresA.map((s, i) => ({ ...s, pairs: pairsA[i]! })),
            },
          }
        : {}),
    };
  } finally {
    deeplog.dispose();
  }
}

const SWEEP_FLOORS = [1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 1e-5];

/** Drop the options not given, so the detector's defaults apply. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Every g and the given floors on the same scores; with pair flags, each rule OR the invariant. */
function sweepRules(normal: SessionScore[], abnormal: SessionScore[], scale: number, floors: number[], pairsN?: boolean[], pairsA?: boolean[]): NonNullable<DetectorResult['sweep']> {
  const rows: NonNullable<DetectorResult['sweep']> = [];
  const add = (rule: string, flag: (s: SessionScore) => boolean) => {
    const fp = normal.filter((s, i) => flag(s) || pairsN?.[i] === true).length;
    const tp = abnormal.filter((s, i) => flag(s) || pairsA?.[i] === true).length;
    rows.push({ rule, fp, tp, f1: scoreDetections(tp, abnormal.length, fp).f1, scaledF1: scoreScaled(tp, abnormal.length, fp, scale).f1 });
  };
  for (let g = 1; g <= 12; g++) add(`top-${g}`, (s) => s.worstRank >= g);
  for (const p of floors) add(`p<${p}`, (s) => s.minProb < p);
  return rows;
}
