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
    help: 'Series models written to the model store (PREDICTOR_MODEL_DIR) after a training.',
    registers: [registry],
  }),
  modelSaveErrors: new Counter({
    name: 'vigil_predictor_model_save_errors_total',
    help: 'Series models that could not be written to the model store.',
    registers: [registry],
  }),
  modelsRestored: new Counter({
    name: 'vigil_predictor_models_restored_total',
    help: 'Series that took over a stored model instead of waiting out the cold start.',
    registers: [registry],
  }),
  samplesDropped: new Counter({
    name: 'vigil_predictor_samples_dropped_total',
    help: 'Watched samples not forecast: late (step already closed), invalid, counter_start, counter_out_of_order (counters per series).',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
};
