// The anomaly scoring core shared by the detector (metric series) and the logs service (log
// count series): import it through this file.
export { Detector, type DetectorStats, type EntityScores } from './detector.js';
export { evidenceToScore } from './entity-state.js';
export { DEFAULT_OPTIONS, resolveOptions, type DetectorOptions, type DetectorOverrides } from './options.js';
export type { SignalName } from './series-tracker.js';
export { SCORER, SCORER_VERSION, type Observation, type ScoreResult } from './types.js';
