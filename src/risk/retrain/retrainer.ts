import { FEATURE_COUNT } from '../features/feature-names.js';
import { averagePrecision } from '../evaluation/metrics.js';
import { DEFAULT_MODEL_OPTIONS, RiskModel, type ModelTrainingOptions } from '../model/risk-model.js';
import { riskMetrics as m } from '../risk.metrics.js';
import type { RiskService } from '../risk.service.js';
import type { RetrainOptions } from './retrain-options.js';
import { savePromotedModel } from './save-promoted.js';
import type { LabelledRows, TrainingSet } from './training-set.js';

export type RetrainOutcome = 'promoted' | 'kept' | 'skipped' | 'failed' | 'abandoned';

export interface RetrainResult {
  outcome: RetrainOutcome;
  /** One line: what happened and, when a candidate was trained, both holdout figures. */
  message: string;
  currentAp?: number;
  candidateAp?: number;
  version: string;
}

/** Thrown from the training loop's yield point once `stop()` was called. */
class Abandoned extends Error {}

/**
 * Scheduled retraining. Every `intervalMs` of wall time, trains a model of the current one's kind
 * and configuration on the older labelled rows, compares it with the current model on the most
 * recent slice, and promotes it (service + model directory) only if it is not worse there.
 * Runs from a timer, not inside a batch, and yields the thread after every training batch, so
 * the consumer keeps scoring; `stop()` abandons a run at its next yield without waiting for it.
 */
export class Retrainer {
  private timer: NodeJS.Timeout | undefined;
  private gauges: NodeJS.Timeout | undefined;
  private running: Promise<RetrainResult> | undefined;
  private stopped = false;

  constructor(
    private readonly service: RiskService,
    private readonly set: TrainingSet,
    private readonly options: RetrainOptions,
    /** Where a promoted model is saved (RISK_MODEL_DIR); undefined: promoted in memory only. */
    private readonly modelDir: string | undefined,
    private readonly log: (msg: string) => void,
  ) {}

  start(): void {
    if (this.options.intervalMs <= 0 || this.stopped) return;
    // Gauges on a timer rather than per transaction: the scoring path stays as it was.
    this.gauges ??= setInterval(() => this.updateGauges(), 15_000).unref();
    this.timer = setTimeout(() => {
      void this.retrainOnce().finally(() => this.start());
    }, this.options.intervalMs);
    this.timer.unref(); // a pending retrain never keeps the process alive
  }

  /** Cancels the schedule and abandons a run in progress at its next yield; does not wait for it. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.gauges);
    this.timer = undefined;
  }

  updateGauges(): void {
    m.trainingRows.labels('pending').set(this.set.pendingCount);
    m.trainingRows.labels('labelled').set(this.set.labelledCount);
    m.trainingRows.labels('labelled_fraud').set(this.set.frauds);
  }

  /** One run now (the timer's, or a test's). A second call while one runs gets the same run. */
  retrainOnce(): Promise<RetrainResult> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<RetrainResult> {
    const started = performance.now();
    let result: RetrainResult;
    try {
      result = await this.attempt(started);
    } catch (err) {
      const outcome = err instanceof Abandoned ? 'abandoned' : 'failed';
      const why = err instanceof Abandoned ? 'stopped' : (err as Error).message;
      result = { outcome, message: `retrain ${outcome}: ${why}; keeping ${this.service.modelVersion}`, version: this.service.modelVersion };
    }
    m.retrains.labels(result.outcome).inc();
    m.lastRetrain.set(Date.now() / 1000);
    this.updateGauges();
    this.log(result.message);
    return result;
  }

  private async attempt(started: number): Promise<RetrainResult> {
    const current = this.service.scorer.model;
    const version = this.service.modelVersion;
    const all = this.set.snapshot();
    const frauds = all.labels.reduce((s, v) => s + v, 0);
    const skip = (why: string): RetrainResult => ({ outcome: 'skipped', message: `retrain skipped: ${why}; keeping ${version}`, version });
    if (!current) return skip('no model to retrain (rules only)');
    if (all.n < this.options.minRows || frauds < this.options.minFrauds) {
      return skip(`${all.n} labelled rows with ${frauds} frauds, need ${this.options.minRows} and ${this.options.minFrauds}`);
    }
    // The holdout is the most recent slice by transaction time: the candidate is judged on what
    // comes after everything it learnt from, as it will be in service.
    const cut = Math.floor(all.n * (1 - this.options.holdoutFraction));
    const train = slice(all, 0, cut);
    const holdout = slice(all, cut, all.n);
    if (train.frauds === 0 || holdout.frauds === 0 || holdout.frauds === holdout.n) {
      return skip(`the split leaves ${train.frauds} frauds to train on and ${holdout.frauds} of ${holdout.n} in the holdout`);
    }
    await this.yieldOrAbandon(); // the snapshot's sort and the split take ~0.1 s of the thread
    const candidate = await RiskModel.train(train.rows, train.labels, train.n, this.trainingOptions(current), {
      source: 'retrain',
      previousVersion: version,
      trainedUntil: new Date(all.times[cut - 1]!).toISOString(),
      holdoutRows: holdout.n,
    });
    let currentAp: number;
    let candidateAp: number;
    try {
      // Each model's pass over the holdout is ~0.1 s for 40,000 rows: the consumer runs between them.
      await this.yieldOrAbandon();
      currentAp = averagePrecision(holdout.labels, current.score(holdout.rows, holdout.n));
      await this.yieldOrAbandon();
      candidateAp = averagePrecision(holdout.labels, candidate.score(holdout.rows, holdout.n));
    } catch (err) {
      candidate.dispose();
      throw err;
    }
    m.retrainPrecision.labels('current').set(currentAp);
    m.retrainPrecision.labels('candidate').set(candidateAp);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const figures = `holdout AP candidate ${candidateAp.toFixed(4)} vs current ${currentAp.toFixed(4)} on the latest ${holdout.n} rows (${holdout.frauds} frauds); trained on ${train.n} rows (${train.frauds} frauds) in ${seconds} s`;
    if (!(candidateAp >= currentAp)) {
      candidate.dispose();
      return { outcome: 'kept', message: `retrain kept ${version}: ${figures}`, currentAp, candidateAp, version };
    }
    let next: string;
    try {
      next = this.modelDir ? await savePromotedModel(this.modelDir, candidate, this.service.scorer.features, () => this.yieldOrAbandon()) : `${candidate.metadata.kind}-retrained-${Date.now()}`;
    } catch (err) {
      candidate.dispose();
      throw err;
    }
    this.service.useModel(candidate, next);
    m.modelSince.set(Date.now() / 1000);
    return { outcome: 'promoted', message: `retrain promoted ${next} (was ${version}): ${figures}`, currentAp, candidateAp, version: next };
  }

  /** The current model's configuration (saved in its metadata), so the candidate is the same kind of model. */
  private trainingOptions(current: RiskModel): ModelTrainingOptions {
    const saved = (current.metadata.provenance.options ?? {}) as Partial<ModelTrainingOptions>;
    const pick = <K extends keyof ModelTrainingOptions>(k: K) => (saved[k] ?? DEFAULT_MODEL_OPTIONS[k]) as ModelTrainingOptions[K];
    return {
      kind: current.metadata.kind,
      hidden: pick('hidden'),
      epochs: pick('epochs'),
      batchSize: pick('batchSize'),
      learningRate: pick('learningRate'),
      seed: pick('seed'),
      afterBatch: () => this.yieldOrAbandon(),
    };
  }

  /** Lets the consumer's batches (and heartbeats) run; throws once stopped. */
  private async yieldOrAbandon(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.stopped) throw new Abandoned();
  }
}

/** Rows [from, to) of a packed set, without copying, with their fraud count. */
function slice(all: LabelledRows, from: number, to: number): { rows: Float32Array; labels: Uint8Array; n: number; frauds: number } {
  const labels = all.labels.subarray(from, to);
  return { rows: all.rows.subarray(from * FEATURE_COUNT, to * FEATURE_COUNT), labels, n: to - from, frauds: labels.reduce((s, v) => s + v, 0) };
}
