import type { RemediationRule } from '../../lib/remediation-rules/index.js';
import { lockKey } from '../lock-keys.js';
import type { ActionRow } from '../types.js';

/**
 * The keys an action's claim serialises on: every guardrail that counts across actions is
 * counted under its key, so no two claims that share a count decide at once, in any process.
 */
export function claimKeys(row: ActionRow, rule: RemediationRule): string[] {
  return [lockKey.action(row.id), lockKey.environment(row.environment), lockKey.cooldown(rule.name, row.action, row.entity), lockKey.target(row.target), lockKey.rule(rule.name)];
}
