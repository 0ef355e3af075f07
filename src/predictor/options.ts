import { envInt, envNumber, envString } from '../platform/config/env-values.js';
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
  const f = DEFAULT_FORECASTER;
  return {
    topics: { metrics: 'telemetry.metrics', predictions: 'aiops.predictions', state: 'aiops.predictor-state' },
    rulesDir: envString(env, 'PREDICTOR_RULES_DIR', 'rules/predictor'),
    idleMs: envNumber(env, 'PREDICTOR_IDLE_MS', 7 * 86_400_000),
    checkpointRows: envInt(env, 'PREDICTOR_CHECKPOINT_ROWS', 500, { min: 1 }),
    modelDir: envString(env, 'PREDICTOR_MODEL_DIR', '.vigil/predictor-models', { emptyIsValue: true }),
    aligner: {
      ...DEFAULT_ALIGNER,
      stepMs: envInt(env, 'PREDICTOR_STEP_MS', DEFAULT_ALIGNER.stepMs),
      latenessMs: envInt(env, 'PREDICTOR_LATENESS_MS', DEFAULT_ALIGNER.latenessMs),
    },
    forecaster: {
      ...f,
      horizon: envInt(env, 'PREDICTOR_HORIZON', f.horizon, { min: 1 }),
      window: envInt(env, 'PREDICTOR_WINDOW', f.window, { min: 2 }),
      units: envInt(env, 'PREDICTOR_UNITS', f.units, { min: 1 }),
      coldStartRows: envInt(env, 'PREDICTOR_COLD_START_ROWS', f.coldStartRows, { min: 1 }),
      retrainEveryRows: envInt(env, 'PREDICTOR_RETRAIN_EVERY_ROWS', f.retrainEveryRows, { min: 1 }),
      trainRows: envInt(env, 'PREDICTOR_TRAIN_ROWS', f.trainRows, { min: 1 }),
      epochs: envInt(env, 'PREDICTOR_EPOCHS', f.epochs, { min: 1 }),
      maxTrainPerUpdate: envInt(env, 'PREDICTOR_MAX_TRAIN_PER_BATCH', f.maxTrainPerUpdate, { min: 1 }),
    },
    tracker: {
      ...DEFAULT_TRACKER,
      clearSteps: envInt(env, 'PREDICTOR_CLEAR_STEPS', DEFAULT_TRACKER.clearSteps, { min: 1 }),
      minProbability: envNumber(env, 'PREDICTOR_MIN_PROBABILITY', DEFAULT_TRACKER.minProbability),
    },
  };
}
