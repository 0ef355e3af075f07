import { DAY_MS } from '../options.js';
import { RiskModel } from '../model/risk-model.js';
import { initBackend } from '../../platform/ml/backend.js';
import { replayFile, trainingRows } from './feature-dataset.js';

export interface QuickModelOptions {
  /** Transactions before this time are replayed (and trained on when their label had arrived). */
  until: number;
  labelDelayDays?: number;
  warmupDays?: number;
  epochs?: number;
}

/**
 * A small logistic model trained in seconds on the first days of a file: for integration tests
 * and benchmarks that need a real model but not a good one. `vigil risk train` makes the real one.
 */
export async function trainQuickModel(file: string, dir: string, options: QuickModelOptions): Promise<{ trainedOn: number; frauds: number }> {
  await initBackend(() => {});
  const delayDays = options.labelDelayDays ?? 1;
  const { dataset } = await replayFile(file, { labelDelayDays: delayDays, until: options.until });
  const rows = trainingRows(dataset, options.until, delayDays * DAY_MS, (options.warmupDays ?? 2) * DAY_MS);
  const { rows: x, labels } = dataset.select(rows);
  const frauds = labels.reduce((s, v) => s + v, 0);
  if (frauds === 0) throw new Error(`${file}: no frauds before ${new Date(options.until).toISOString()} to learn from`);
  const model = await RiskModel.train(x, labels, rows.length, { kind: 'logistic', hidden: [], epochs: options.epochs ?? 3, batchSize: 512, learningRate: 0.01, seed: 1 }, {
    data: file,
    cutoff: new Date(options.until).toISOString(),
    labelDelayDays: delayDays,
    quick: true,
  });
  await model.save(dir);
  model.dispose();
  return { trainedOn: rows.length, frauds };
}
