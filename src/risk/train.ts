import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '../platform/ml/backend.js';
import { parseDay } from './evaluation/evaluate.js';
import { replayFile, trainingRows } from './evaluation/feature-dataset.js';
import { DEFAULT_MODEL_OPTIONS, RiskModel, type ModelTrainingOptions } from './model/risk-model.js';
import { DAY_MS, DEFAULT_LABEL_DELAY_DAYS, DEFAULT_WARMUP_DAYS } from './options.js';

export interface TrainOptions {
  data: string;
  out: string;
  /** Train as of the start of this day (YYYY-MM-DD); default: the end of the file. */
  until?: string;
  labelDelayDays?: number;
  model?: Partial<ModelTrainingOptions>;
  log?: (msg: string) => void;
}

export interface TrainReport {
  out: string;
  transactions: number;
  trainedOn: number;
  frauds: number;
  cutoff: string;
  seconds: number;
}

/** Feature state at the cut-off, saved beside the model so a scorer can start warm. */
export const FEATURE_STATE_FILE = 'feature-state.json';

/**
 * Trains the risk model as it would have been trained at the cut-off: features replayed in time
 * order, and only transactions whose labels had arrived by then (time + delay < cut-off).
 */
export async function train(options: TrainOptions): Promise<TrainReport> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const delayDays = options.labelDelayDays ?? DEFAULT_LABEL_DELAY_DAYS;
  const until = options.until === undefined ? undefined : parseDay(options.until, 'until');
  await initBackend(log);
  const { dataset, state } = await replayFile(options.data, { labelDelayDays: delayDays, ...(until !== undefined && { until }) });
  if (dataset.n === 0) throw new Error(`${options.data}: no transactions${options.until ? ` before ${options.until}` : ''}`);
  // Without --until the model is trained as of the last transaction in the file.
  const cutoff = until ?? dataset.times[dataset.n - 1]! + 1;
  const rows = trainingRows(dataset, cutoff, delayDays * DAY_MS, DEFAULT_WARMUP_DAYS * DAY_MS);
  const { rows: x, labels } = dataset.select(rows);
  const frauds = labels.reduce((s, v) => s + v, 0);
  if (frauds === 0) throw new Error('no fraud labels had arrived by the cut-off; nothing to learn from');
  log(`training on ${rows.length} of ${dataset.n} transactions (${frauds} frauds)`);
  const model = await RiskModel.train(x, labels, rows.length, { ...DEFAULT_MODEL_OPTIONS, ...options.model, log }, {
    data: options.data,
    cutoff: new Date(cutoff).toISOString(),
    labelDelayDays: delayDays,
  });
  await model.save(options.out);
  model.dispose();
  state.advanceTo(cutoff);
  await writeFile(join(options.out, FEATURE_STATE_FILE), JSON.stringify(state.toJSON()));
  return {
    out: options.out,
    transactions: dataset.n,
    trainedOn: rows.length,
    frauds,
    cutoff: new Date(cutoff).toISOString(),
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}
