import type { GuardrailInput } from './types.js';

/** When the action needs an operator's approval it has not had: when that approval expires. */
export function approvalExpiry({ action, row, defaults, now }: GuardrailInput): number | undefined {
  const approval = action.guardrails.approval;
  if (!approval?.required || row.decided_by !== null) return undefined;
  return now + (approval.expires_after_ms ?? defaults.approvalTtlMs);
}
