import type { GuardrailInput } from './types.js';

/** This rule's action ran on this entity less than its cooldown ago. */
export async function cooldownRefusal({ store, rule, action, row, now }: GuardrailInput): Promise<string | undefined> {
  const cooldown = action.guardrails.cooldown_ms;
  if (!cooldown) return undefined;
  const last = await store.lastStart(rule.name, action.name, row.entity);
  if (last !== undefined && now - last < cooldown) return `cooldown: ${rule.name}/${action.name} ran on ${row.entity} ${Math.round((now - last) / 1000)} s ago (cooldown ${cooldown / 1000} s)`;
  return undefined;
}
