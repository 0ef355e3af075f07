import { DEFAULT_ALIGNER, type AlignerOptions } from '../platform/series/step-aligner.js';
import { DEFAULT_FORECASTER, type ForecasterOptions } from './forecast/options.js';
import { DEFAULT_TRACKER, type TrackerOptions } from './limits/prediction-tracker.js';

/** The predictor service's settings, from the environment (defaults in the README table). */
export interface PredictorServiceOptions {
  /** `state`: the changelog of the series' state (co-partitioned with `metrics`). */
  readonly topics: { readonly metrics: string; readonly predictions: string; readonly state: string };
  readonly rulesDir: string;
  readonly aligner: AlignerOptions;
  readonly forecaster: ForecasterOptions;
  readonly tracker: TrackerOptions;
  /** Series with no step for this long (event time) are forgotten; 0: never. */
  readonly idleMs: number;
  /**
   * An entity's state is checkpointed to the changelog once its series have gained this many
   * rows each since the last checkpoint, at once when one of them trains or a prediction of
   * theirs is issued or withdrawn, and at stop.
   */
  readonly checkpointRows: number;
  /** Where each trained model is exported (never read back: the changelog is); '' exports nothing. */
  readonly modelDir: string;
}

export function loadPredictorOptions(env: NodeJS.ProcessEnv = process.env): PredictorServiceOptions {
  const num = (name: string, fallback: number, min = 0, integer = false): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${raw}`);
    return n;
  };
  const f = DEFAULT_FORECASTER;
  return {
    topics: { metrics: 'telemetry.metrics', predictions: 'aiops.predictions', state: 'aiops.predictor-state' },
    rulesDir: env.PREDICTOR_RULES_DIR || 'rules/predictor',
    idleMs: num('PREDICTOR_IDLE_MS', 7 * 86_400_000),
    checkpointRows: num('PREDICTOR_CHECKPOINT_ROWS', 500, 1, true),
    modelDir: env.PREDICTOR_MODEL_DIR ?? '.vigil/predictor-models',
    aligner: {
      ...DEFAULT_ALIGNER,
      stepMs: num('PREDICTOR_STEP_MS', DEFAULT_ALIGNER.stepMs, 0, true),
      latenessMs: num('PREDICTOR_LATENESS_MS', DEFAULT_ALIGNER.latenessMs, 0, true),
    },
    forecaster: {
      ...f,
      horizon: num('PREDICTOR_HORIZON', f.horizon, 1, true),
      window: num('PREDICTOR_WINDOW', f.window, 2, true),
      units: num('PREDICTOR_UNITS', f.units, 1, true),
      coldStartRows: num('PREDICTOR_COLD_START_ROWS', f.coldStartRows, 1, true),
      retrainEveryRows: num('PREDICTOR_RETRAIN_EVERY_ROWS', f.retrainEveryRows, 1, true),
      trainRows: num('PREDICTOR_TRAIN_ROWS', f.trainRows, 1, true),
      epochs: num('PREDICTOR_EPOCHS', f.epochs, 1, true),
      maxTrainPerUpdate: num('PREDICTOR_MAX_TRAIN_PER_BATCH', f.maxTrainPerUpdate, 1, true),
    },
    tracker: {
      ...DEFAULT_TRACKER,
      clearSteps: num('PREDICTOR_CLEAR_STEPS', DEFAULT_TRACKER.clearSteps, 1, true),
      minProbability: num('PREDICTOR_MIN_PROBABILITY', DEFAULT_TRACKER.minProbability),
    },
  };
}
