import { initBackend } from '../../platform/ml/backend.js';
import { FEATURE_COUNT } from '../features/feature-names.js';
import type { SerialisedFeatureState } from '../features/feature-state.js';
import { RiskFeatureState } from '../features/feature-state.js';
import { DEFAULT_MODEL_OPTIONS, RiskModel, type ModelTrainingOptions } from '../model/risk-model.js';
import { DAY_MS, DEFAULT_LABEL_DELAY_DAYS, DEFAULT_RULES_DIR, DEFAULT_WARMUP_DAYS } from '../options.js';
import { RiskScorer } from '../risk-scorer.js';
import { loadRiskRules } from '../rules/load-rules.js';
import type { Transaction } from '../types.js';
import { replayFile, trainingRows } from './feature-dataset.js';
import { measureLatency, type LatencyReport } from './latency.js';
import { averagePrecision, cardPrecisionAtK, rocAuc } from './metrics.js';

export interface EvaluateOptions {
  data: string;
  /** First day scored (UTC, YYYY-MM-DD); the model is trained on labels known before it. */
  testFrom: string;
  /** First day not scored (exclusive); default: the end of the file. Validation runs use it. */
  testUntil?: string;
  labelDelayDays?: number;
  warmupDays?: number;
  model?: Partial<ModelTrainingOptions>;
  rulesDir?: string;
  /** Time the scorer on test transactions (default true). */
  latency?: boolean;
  log?: (msg: string) => void;
}

export interface EvaluationReport {
  auc: number;
  average_precision: number;
  card_precision_at_100: number;
  test: { from: string; until: string; transactions: number; frauds: number; days: number };
  train: { from: string; until: string; transactions: number; frauds: number; label_delay_days: number };
  model: { kind: string; options: Omit<ModelTrainingOptions, 'log'> };
  seconds: { replay: number; train: number; score: number; total: number };
  latency?: LatencyReport;
}

const LATENCY_SAMPLE = 13_000;

/**
 * Backtest: replay the file through the online features, train once on what was known before
 * `testFrom` (labels arrived strictly before it), score every transaction from `testFrom` on with
 * that frozen model (the features keep learning from labels as they arrive), and report ranking
 * metrics.
 */
export async function evaluate(options: EvaluateOptions): Promise<EvaluationReport> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const delayDays = options.labelDelayDays ?? DEFAULT_LABEL_DELAY_DAYS;
  const testFrom = parseDay(options.testFrom, 'testFrom');
  const testUntil = options.testUntil === undefined ? undefined : parseDay(options.testUntil, 'testUntil');
  if (testUntil !== undefined && testUntil <= testFrom) throw new Error('testUntil must be after testFrom');
  const modelOptions: ModelTrainingOptions = { ...DEFAULT_MODEL_OPTIONS, ...options.model, log };
  const wantLatency = options.latency ?? true;
  await initBackend(log);

  let snapshot: SerialisedFeatureState | undefined;
  const latencyTxs: Transaction[] = [];
  const { dataset } = await replayFile(options.data, {
    labelDelayDays: delayDays,
    ...(testUntil !== undefined && { until: testUntil }),
    beforeObserve: wantLatency
      ? (tx, state) => {
          if (tx.time < testFrom) return;
          snapshot ??= state.toJSON();
          if (latencyTxs.length < LATENCY_SAMPLE) latencyTxs.push(tx);
        }
      : undefined,
  });
  const replayed = performance.now();
  log(`replayed ${dataset.n} transactions in ${((replayed - started) / 1000).toFixed(1)} s`);

  const trainIdx = trainingRows(dataset, testFrom, delayDays * DAY_MS, (options.warmupDays ?? DEFAULT_WARMUP_DAYS) * DAY_MS);
  if (trainIdx.length === 0) throw new Error(`no transactions with labels known before ${options.testFrom} after the ${options.warmupDays ?? DEFAULT_WARMUP_DAYS}-day warm-up; choose a later --test-from`);
  const train = dataset.select(trainIdx);
  const trainFrauds = train.labels.reduce((s, v) => s + v, 0);
  log(`training ${modelOptions.kind} on ${trainIdx.length} transactions (${trainFrauds} frauds)`);
  const model = await RiskModel.train(train.rows, train.labels, trainIdx.length, modelOptions, { data: options.data, cutoff: options.testFrom, labelDelayDays: delayDays });
  const trained = performance.now();

  const testIdx: number[] = [];
  for (let i = 0; i < dataset.n; i++) if (dataset.times[i]! >= testFrom) testIdx.push(i);
  if (testIdx.length === 0) throw new Error(`no transactions on or after ${options.testFrom}`);
  const test = dataset.select(testIdx);
  const scores = new Float32Array(testIdx.length);
  const chunk = 65_536;
  for (let start = 0; start < testIdx.length; start += chunk) {
    const n = Math.min(chunk, testIdx.length - start);
    scores.set(model.score(test.rows.subarray(start * FEATURE_COUNT, (start + n) * FEATURE_COUNT), n), start);
  }
  const scored = performance.now();

  const days = testIdx.map((i) => dataset.days[i]!);
  const cardPrecision = cardPrecisionAtK({ day: days, customer: testIdx.map((i) => dataset.customers[i]!), score: scores, label: test.labels }, 100);

  let latency: LatencyReport | undefined;
  if (wantLatency && snapshot) {
    const rules = await loadRiskRules(options.rulesDir ?? DEFAULT_RULES_DIR);
    const scorer = (reasons: 'always' | 'flagged') => new RiskScorer(model, rules, RiskFeatureState.fromJSON(snapshot!), { reasons });
    latency = measureLatency({ single: scorer('always'), flagged: scorer('flagged'), batched: scorer('always'), features: RiskFeatureState.fromJSON(snapshot) }, latencyTxs);
  }
  model.dispose();

  const firstTrain = trainIdx.length ? dataset.times[trainIdx[0]!]! : Number.NaN;
  const lastTrain = trainIdx.length ? dataset.times[trainIdx[trainIdx.length - 1]!]! : Number.NaN;
  const lastTest = dataset.times[testIdx[testIdx.length - 1]!]!;
  const { log: _log, ...reportedOptions } = modelOptions;
  return {
    auc: rocAuc(test.labels, scores),
    average_precision: averagePrecision(test.labels, scores),
    card_precision_at_100: cardPrecision.mean,
    test: { from: options.testFrom, until: isoTime(lastTest), transactions: testIdx.length, frauds: test.labels.reduce((s, v) => s + v, 0), days: cardPrecision.perDay.size },
    train: { from: isoTime(firstTrain), until: isoTime(lastTrain), transactions: trainIdx.length, frauds: trainFrauds, label_delay_days: delayDays },
    model: { kind: modelOptions.kind, options: reportedOptions },
    seconds: { replay: secs(replayed - started), train: secs(trained - replayed), score: secs(scored - trained), total: secs(performance.now() - started) },
    ...(latency && { latency }),
  };
}

export function parseDay(day: string, what: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !Number.isFinite(Date.parse(`${day}T00:00:00Z`))) throw new Error(`${what} must be a date YYYY-MM-DD (got '${day}')`);
  return Date.parse(`${day}T00:00:00Z`);
}

const secs = (ms: number) => Math.round(ms / 100) / 10;
const isoTime = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString().slice(0, 19) : 'n/a');
