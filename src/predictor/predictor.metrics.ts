import { Counter, Gauge } from 'prom-client';
import { registry } from '../platform/metrics/registry.js';

/** The predictor service's Prometheus metrics (the platform's per-topic counters come on top). */
export const predictorMetrics = {
  forecasts: new Counter({
    name: 'vigil_predictor_forecasts_total',
    help: 'Forecasts made (one per watched series per time step, H steps ahead each).',
    registers: [registry],
  }),
  predictions: new Counter({
    name: 'vigil_predictor_predictions_total',
    help: 'Prediction records written to aiops.predictions, by status (issued, updated, withdrawn).',
    labelNames: ['status'] as const,
    registers: [registry],
  }),
  trainings: new Counter({
    name: 'vigil_predictor_trainings_total',
    help: 'Series LSTMs trained (cold start and retrains).',
    registers: [registry],
  }),
  trainingSeconds: new Counter({
    name: 'vigil_predictor_training_seconds_total',
    help: 'Time spent training forecasting LSTMs.',
    registers: [registry],
  }),
  lastTraining: new Gauge({
    name: 'vigil_predictor_last_training_timestamp_seconds',
    help: 'Unix time the latest forecasting LSTM in this process finished training (0 until one has).',
    registers: [registry],
  }),
  models: new Gauge({
    name: 'vigil_predictor_models',
    help: 'Watched series with a trained forecasting model.',
    registers: [registry],
  }),
  series: new Gauge({
    name: 'vigil_predictor_series',
    help: 'Watched series (entity and metric with at least one limit) the predictor holds state for.',
    registers: [registry],
  }),
  open: new Gauge({
    name: 'vigil_predictor_open_predictions',
    help: 'Predictions issued and not yet withdrawn.',
    registers: [registry],
  }),
  modelsSaved: new Counter({
    name: 'vigil_predictor_models_saved_total',
    help: 'Series models exported to PREDICTOR_MODEL_DIR after a training (an export for offline use; restarts read the changelog).',
    registers: [registry],
  }),
  modelSaveErrors: new Counter({
    name: 'vigil_predictor_model_save_errors_total',
    help: 'Series models that could not be exported to PREDICTOR_MODEL_DIR.',
    registers: [registry],
  }),
  modelsRestored: new Counter({
    name: 'vigil_predictor_models_restored_total',
    help: 'Series taken over from their changelog checkpoint with a trained model (they forecast on at once, no cold start).',
    registers: [registry],
  }),
  stateBytes: new Gauge({
    name: 'vigil_predictor_state_bytes',
    help: "Bytes of the checkpoints of this process's entities (history, models, selection errors, open predictions), as last written or restored.",
    registers: [registry],
  }),
  checkpointsWritten: new Counter({
    name: 'vigil_predictor_checkpoints_written_total',
    help: 'Entity checkpoints appended to the changelog (aiops.predictor-state), by why: trained (one of its series trained), prediction (one of its predictions was issued or withdrawn), rows (every PREDICTOR_CHECKPOINT_ROWS steps of its series), stop (a graceful stop hands its partitions over).',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
  checkpointBytes: new Counter({
    name: 'vigil_predictor_checkpoint_bytes_total',
    help: 'Bytes of entity checkpoints appended to the changelog.',
    registers: [registry],
  }),
  checkpointFailures: new Counter({
    name: 'vigil_predictor_checkpoint_failures_total',
    help: 'Entity checkpoints not written to aiops.predictor-state, by reason: flush (a flush failed; its writes stay buffered for the next one), refused (larger than the topic takes: not written, the previous checkpoint of the entity stays). Forecasting goes on.',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
  checkpointsRestored: new Counter({
    name: 'vigil_predictor_checkpoints_restored_total',
    help: 'Entities taken over from their changelog checkpoint (start, or a partition assigned here).',
    registers: [registry],
  }),
  restoreSeconds: new Counter({
    name: 'vigil_predictor_restore_seconds_total',
    help: "Time spent reading partitions' checkpoints back from the changelog before forecasting them.",
    registers: [registry],
  }),
  samplesDropped: new Counter({
    name: 'vigil_predictor_samples_dropped_total',
    help: 'Watched samples not forecast: late (step already closed), invalid, counter_start, counter_out_of_order (counters per series).',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
};
