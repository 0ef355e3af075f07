import { riskMetrics as m } from '../risk.metrics.js';
import type { RiskService } from '../risk.service.js';
import type { RetrainOptions } from './retrain-options.js';
import { Retrainer } from './retrainer.js';
import { TrainingSet } from './training-set.js';

/**
 * Wires scheduled retraining into a service: the scorer hands over each vector it scored with,
 * the feature state each label as it becomes usable (after the label delay the service enforces),
 * and a `Retrainer` runs on its timer. Undefined when retraining is off or there is no model.
 */
export function attachRetraining(service: RiskService, options: RetrainOptions, modelDir: string | undefined, log: (msg: string) => void): Retrainer | undefined {
  if (options.intervalMs <= 0) {
    log('retraining off (RISK_RETRAIN_INTERVAL=0)');
    return undefined;
  }
  if (!service.scorer.model) {
    log('retraining off: no model to retrain (rules only)');
    return undefined;
  }
  const set = new TrainingSet({ maxPending: options.maxPending, maxLabelled: options.maxLabelled }, (reason) => m.trainingDropped.labels(reason).inc());
  service.scorer.onScored = (tx, features) => set.scored(tx, features);
  service.scorer.features.onLabelUsable = (label) => set.labelUsable(label);
  const retrainer = new Retrainer(service, set, options, modelDir, log);
  log(
    `retraining every ${options.intervalMs / 3_600_000} h from the last ${options.maxLabelled} usable labels (at least ${options.minRows} rows, ${options.minFrauds} frauds; ` +
      `latest ${options.holdoutFraction * 100}% held out), promoted only if not worse there${modelDir ? `, saved to ${modelDir}` : ''}`,
  );
  return retrainer;
}
