import { hostname } from 'node:os';
import { envInt, envNumber, envString } from '../platform/config/env-values.js';
import { DEFAULT_ALIGNER, type AlignerOptions } from '../platform/series/step-aligner.js';
import { SeriesSelection } from './selection/series-selection.js';

/** The detector service's settings, from the environment (defaults in the README table). */
export interface DetectorServiceOptions {
  readonly topics: { readonly metrics: string; readonly feedback: string; readonly anomalies: string; readonly state: string };
  /** The aligner's step and lateness (its per-entity cap comes from `selection`). */
  readonly aligner: Omit<AlignerOptions, 'maxSeries'>;
  /** `rules/detector/*.yaml`, read at start (DETECTOR_RULES_DIR). */
  readonly rulesDir: string;
  /**
   * Which series form an entity's vector, and how many at most. `loadDetectorOptions` gives
   * every series up to 64; the service at start replaces it with the rules of `rulesDir`.
   */
  readonly selection: SeriesSelection;
  /** Entities with no scored step for this long (in event time) are forgotten. */
  readonly idleMs: number;
  /** An entity's state is checkpointed to the changelog after this many scored rows (and at stop and rebalance). */
  readonly checkpointRows: number;
  /**
   * The consumer group of this process's own aiops.feedback reader: a group of its own, so it
   * reads every partition from the beginning, and a new one at every start, so a restart
   * re-reads all retained feedback (see README, Feedback).
   */
  readonly feedbackGroup: string;
}

/** `groupPrefix`: the platform's consumer-group prefix (VigilConfig.groupPrefix, VIGIL_GROUP_PREFIX). */
export function loadDetectorOptions(env: NodeJS.ProcessEnv = process.env, now = Date.now(), groupPrefix = envString(env, 'VIGIL_GROUP_PREFIX', 'vigil', { emptyIsValue: true })): DetectorServiceOptions {
  const prefix = groupPrefix;
  return {
    topics: { metrics: 'telemetry.metrics', feedback: 'aiops.feedback', anomalies: 'aiops.anomalies', state: 'aiops.detector-state' },
    idleMs: envNumber(env, 'DETECTOR_IDLE_MS', 7 * 86_400_000),
    checkpointRows: envInt(env, 'DETECTOR_CHECKPOINT_ROWS', 100, { min: 1 }),
    rulesDir: envString(env, 'DETECTOR_RULES_DIR', 'rules/detector'),
    selection: SeriesSelection.all(),
    feedbackGroup: `${prefix}-detector-feedback-${hostname()}-${process.pid}-${now.toString(36)}`,
    aligner: {
      stepMs: envNumber(env, 'DETECTOR_STEP_MS', DEFAULT_ALIGNER.stepMs),
      latenessMs: envNumber(env, 'DETECTOR_LATENESS_MS', DEFAULT_ALIGNER.latenessMs),
      inferFromTimes: DEFAULT_ALIGNER.inferFromTimes,
      minStepMs: DEFAULT_ALIGNER.minStepMs,
    },
  };
}
