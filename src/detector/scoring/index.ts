export { Detector, type DetectorStats, type EntityScores } from './detector.js';
export { DEFAULT_OPTIONS, resolveOptions, type AutoencoderOptions, type DetectorOptions, type DetectorOverrides } from './options.js';
export type { Observation, ScoreResult, ScorerName } from './types.js';
