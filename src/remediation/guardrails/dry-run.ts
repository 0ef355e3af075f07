import type { GuardrailInput } from './types.js';

/** Why the action is only previewed (REMEDIATION_DRY_RUN, or the rule's dry_run), or undefined. */
export function dryRunReason({ defaults, rule, action }: GuardrailInput): string | undefined {
  if (defaults.dryRun) return 'REMEDIATION_DRY_RUN';
  return action.guardrails.dry_run ? `rule ${rule.name} dry_run` : undefined;
}
