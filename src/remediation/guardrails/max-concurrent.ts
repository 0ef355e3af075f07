import type { GuardrailInput } from './types.js';

/** The rule is at its max_concurrent executing actions, counted in every process (leases alive). */
export async function atMaxConcurrent({ store, rule, action, now }: GuardrailInput): Promise<boolean> {
  const max = action.guardrails.max_concurrent;
  return max !== undefined && (await store.countExecuting(rule.name, now)) >= max;
}
