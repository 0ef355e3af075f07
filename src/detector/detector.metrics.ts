import { Counter, Gauge } from 'prom-client';
import { registry } from '../platform/metrics/registry.js';

/** The detector service's Prometheus metrics (the platform's per-topic counters come on top). */
export const detectorMetrics = {
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
    help: "Population stability index of the entity's recent scores (half-life 250 rows) against its long run (half-life 10,000 rows).",
    labelNames: ['entity'] as const,
    registers: [registry],
  }),
  entitiesByModel: new Gauge({
    name: 'vigil_detector_entities_by_model',
    help: 'Entities scored by each model version (the scoring core and its state format, e.g. seasonal-shift-v1).',
    labelNames: ['model_version'] as const,
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
  stateBytes: new Gauge({
    name: 'vigil_detector_state_bytes',
    help: "Bytes of scoring state this process holds for its entities (seasonal profiles, tail sketches), as last measured at a checkpoint round.",
    registers: [registry],
  }),
  checkpointsWritten: new Counter({
    name: 'vigil_detector_checkpoints_written_total',
    help: 'Entity checkpoints appended to the changelog (aiops.detector-state), by why: rows (every DETECTOR_CHECKPOINT_ROWS scored steps), stop (a graceful stop hands its partitions over).',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
  checkpointFailures: new Counter({
    name: 'vigil_detector_checkpoint_failures_total',
    help: 'Flushes of entity checkpoints to aiops.detector-state that failed (the writes stay buffered for the next flush; scoring goes on).',
    registers: [registry],
  }),
  checkpointBytes: new Counter({
    name: 'vigil_detector_checkpoint_bytes_total',
    help: 'Bytes of entity checkpoints appended to the changelog.',
    registers: [registry],
  }),
  checkpointsRestored: new Counter({
    name: 'vigil_detector_checkpoints_restored_total',
    help: 'Entities taken over from their changelog checkpoint (start, or a partition assigned here).',
    registers: [registry],
  }),
  restoreSeconds: new Counter({
    name: 'vigil_detector_restore_seconds_total',
    help: "Time spent reading partitions' checkpoints back from the changelog before scoring them.",
    registers: [registry],
  }),
  entities: new Gauge({
    name: 'vigil_detector_entities',
    help: 'Entities the detector holds state for.',
    registers: [registry],
  }),
};
