// Public surface of the recommender, for the service wiring (Kafka consumer, HTTP top-K).
export type { Interaction, Recommendation } from './types.js';
export { Recommender, DEFAULT_RECOMMENDER_OPTIONS, type RecommenderOptions, type RecommenderStats } from './model/index.js';
export { evaluate, type EvaluateOptions, type EvaluationReport } from './evaluation/evaluate.js';
export { readInteractions, parseInteractions } from './evaluation/read-interactions.js';
export {
  RemediationRanker,
  DEFAULT_REMEDIATION_RANKING_OPTIONS,
  incidentSimilarity,
  type IncidentDescriptor,
  type RankedAction,
  type RemediationOutcome,
  type RemediationOutcomeEvent,
  type RemediationRankingOptions,
} from './remediation-ranking.js';
export { outcomeOfDecision, remediationOutcomeEvent, type RemediationRecord } from './remediation-events.js';
export { RecoService, type InteractionMessage, type RecommendationsMessage, type RecoServiceOptions } from './reco.service.js';
export { registerRecoCommands } from './reco.commands.js';
