import { FEATURE_INDEX, FEATURE_NAMES } from '../features/feature-names.js';
import { DEFAULT_REASON_COUNT } from '../options.js';
import type { Decision, Transaction } from '../types.js';
import { SEVERITY, type RiskRules } from './rule-types.js';

export type Reason =
  | { kind: 'rule'; rule: string; decision: Decision; description?: string }
  | { kind: 'feature'; feature: string; value: number; contribution: number };

export interface RiskDecision {
  decision: Decision;
  score: number;
  /** Rules that fired (they force the decision); empty when the model's score decided. */
  rules: string[];
  reasons: Reason[];
}

/**
 * Combines the model's score with the rules. Any rule that fires forces the decision (the most
 * severe fired rule wins, so a deny list beats an allow list); otherwise the thresholds map the
 * score to a decision. Reasons name the fired rules first, then the features that pushed the
 * score up the most (`contributions` on the logit scale; omitted when not computed).
 */
export function decide(
  tx: Transaction,
  features: Float32Array,
  score: number,
  rules: RiskRules,
  contributions?: ArrayLike<number>,
  reasonCount = DEFAULT_REASON_COUNT,
): RiskDecision {
  const fired: Array<{ rule: string; decision: Decision; description?: string }> = [];
  for (const list of rules.lists) {
    if (list.customers.has(tx.customerId) || list.terminals.has(tx.terminalId)) fired.push({ rule: list.id, decision: list.decision, ...(list.description && { description: list.description }) });
  }
  for (const limit of rules.limits) {
    const value = features[FEATURE_INDEX[limit.feature]]!;
    if ((limit.above !== undefined && value > limit.above) || (limit.below !== undefined && value < limit.below)) {
      fired.push({ rule: limit.id, decision: limit.decision, ...(limit.description && { description: limit.description }) });
    }
  }
  fired.sort((a, b) => SEVERITY[b.decision] - SEVERITY[a.decision]);
  const decision: Decision = fired[0]?.decision ?? (score >= rules.thresholds.decline ? 'decline' : score >= rules.thresholds.review ? 'review' : 'approve');
  const reasons: Reason[] = fired.map((f) => ({ kind: 'rule' as const, ...f }));
  if (contributions) reasons.push(...topFeatures(features, contributions, reasonCount));
  return { decision, score, rules: fired.map((f) => f.rule), reasons };
}

/** Features with the largest positive contributions; if none pushed upwards, the largest in size. */
function topFeatures(features: Float32Array, contributions: ArrayLike<number>, count: number): Reason[] {
  const all = FEATURE_NAMES.map((feature, i) => ({ kind: 'feature' as const, feature, value: features[i]!, contribution: contributions[i]! }));
  const upward = all.filter((r) => r.contribution > 0).sort((a, b) => b.contribution - a.contribution);
  const picked = upward.length ? upward : all.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  return picked.slice(0, count).map((r) => ({ ...r, value: round(r.value), contribution: round(r.contribution) }));
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
