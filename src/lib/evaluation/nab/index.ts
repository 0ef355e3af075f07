export { evaluateCorpus, type LabelledSeries } from './evaluate.js';
export { labelRows } from './label-rows.js';
export { NAB_PROFILES, probationLength, type CostProfile } from './profiles.js';
export { MAX_TP, scaledSigmoid } from './sigmoid.js';
export { rowReward } from './row-reward.js';
export type * from './types.js';
