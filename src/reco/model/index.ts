export { Recommender, type RecommenderStats } from './recommender.js';
export { DEFAULT_RECOMMENDER_OPTIONS, resolveRecommenderOptions, type RecommenderOptions } from './options.js';
export { EaseModel } from './ease.js';
export { InteractionStore, type Aggregation } from './interaction-store.js';
export { PopularityRanker } from './popularity.js';
export { topK } from './top-k.js';
