// Remediation rules (rules/remediation/*.yaml): loading and checking them, and which match an
// incident. Remediation acts on them; incidents asks the recommender to rank their actions.
// Import it through this file.
export { loadRemediationRules, type LoadRulesOptions } from './load-rules.js';
export { ruleMatches } from './match-rule.js';
export type { BodyFormat, Guardrails, MatchValue, RemediationRule, RuleMatch, WebhookAction } from './rule-types.js';
