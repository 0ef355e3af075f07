import { Counter, Gauge } from 'prom-client';
import { registry } from '../platform/metrics/registry.js';

/** The detector service's Prometheus metrics (the platform's per-topic counters come on top). */
export const detectorMetrics = {
  backend: new Gauge({
    name: 'vigil_model_backend_info',
    help: '1 for the TensorFlow.js backend the models run on.',
    labelNames: ['backend'] as const,
    registers: [registry],
  }),
  samplesScored: new Counter({
    name: 'vigil_detector_samples_scored_total',
    help: 'Metric samples in time steps the detector scored.',
    registers: [registry],
  }),
  stepsScored: new Counter({
    name: 'vigil_detector_steps_scored_total',
    help: 'Time steps (one vector per entity) the detector scored.',
    registers: [registry],
  }),
  samplesDropped: new Counter({
    name: 'vigil_detector_samples_dropped_total',
    help: 'Samples not scored: not_selected (no selector of rules/detector takes the series), series_cap (the entity has max_series_per_entity series already), late (step already closed), new_series (after the series order was fixed), invalid, counter_start (first sample of a counter: baseline only), counter_out_of_order.',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
  series: new Gauge({
    name: 'vigil_detector_series',
    help: "Series in the entities' vectors (selected by rules/detector, within the cap), each its own slot, by metric name.",
    labelNames: ['metric'] as const,
    registers: [registry],
  }),
  counterResets: new Counter({
    name: 'vigil_detector_counter_resets_total',
    help: 'Counter samples below their previous value (a restart), scored as value / seconds.',
    registers: [registry],
  }),
  anomalies: new Counter({
    name: 'vigil_detector_anomalies_total',
    help: 'Anomaly events written to aiops.anomalies, by entity.',
    labelNames: ['entity'] as const,
    registers: [registry],
  }),
  contributions: new Counter({
    name: 'vigil_detector_anomaly_contributions_total',
    help: "Each metric's share of the evidence (its series' shares added up), summed over the anomaly events (one event adds 1 across its metrics).",
    labelNames: ['metric'] as const,
    registers: [registry],
  }),
  score: new Gauge({
    name: 'vigil_detector_score',
    help: "The entity's latest anomaly score (0..1); the series goes when the entity is forgotten.",
    labelNames: ['entity'] as const,
    registers: [registry],
  }),
  threshold: new Gauge({
    name: 'vigil_detector_threshold',
    help: "The entity's current alarm level on the score scale (moves with operator feedback).",
    labelNames: ['entity'] as const,
    registers: [registry],
  }),
  scorePsi: new Gauge({
    name: 'vigil_detector_score_psi',
    help: "Population stability index of the entity's recent scores against the scores of the period its model was trained on.",
    labelNames: ['entity'] as const,
    registers: [registry],
  }),
  entitiesByModel: new Gauge({
    name: 'vigil_detector_entities_by_model',
    help: 'Entities scored by each model version: baseline (before the autoencoder is trained) or autoencoder-v<n>.',
    labelNames: ['model_version'] as const,
    registers: [registry],
  }),
  trainings: new Counter({
    name: 'vigil_detector_trainings_total',
    help: "Entity autoencoders trained: an entity's first training after cold start, then each retrain.",
    registers: [registry],
  }),
  trainingSeconds: new Counter({
    name: 'vigil_detector_training_seconds_total',
    help: 'Time spent training autoencoders.',
    registers: [registry],
  }),
  lastTraining: new Gauge({
    name: 'vigil_detector_last_training_timestamp_seconds',
    help: 'Unix time of the latest autoencoder training in this process.',
    registers: [registry],
  }),
  feedback: new Counter({
    name: 'vigil_detector_feedback_total',
    help: 'Operator feedback records received, by kind: each counted once across the detector processes, by the one its partition is assigned to in the shared group (every process applies false_positive and missed to the entity).',
    labelNames: ['kind'] as const,
    registers: [registry],
  }),
  feedbackEntities: new Gauge({
    name: 'vigil_detector_feedback_entities',
    help: 'Entities whose alarm level this process holds a feedback adjustment for (applied when it scores them).',
    registers: [registry],
  }),
  entitiesDropped: new Counter({
    name: 'vigil_detector_entities_dropped_total',
    help: 'Entities forgotten after DETECTOR_IDLE_MS of event time without a scored step.',
    registers: [registry],
  }),
  modelsSaved: new Counter({
    name: 'vigil_detector_models_saved_total',
    help: 'Entity models written to the model store (DETECTOR_MODEL_DIR) after a training.',
    registers: [registry],
  }),
  modelSaveErrors: new Counter({
    name: 'vigil_detector_model_save_errors_total',
    help: 'Entity models that could not be written to the model store.',
    registers: [registry],
  }),
  modelsRestored: new Counter({
    name: 'vigil_detector_models_restored_total',
    help: 'Entities that took over a stored model at start instead of learning anew.',
    registers: [registry],
  }),
  entities: new Gauge({
    name: 'vigil_detector_entities',
    help: 'Entities the detector holds state for.',
    registers: [registry],
  }),
};
