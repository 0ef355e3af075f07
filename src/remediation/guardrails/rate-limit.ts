import type { GuardrailInput } from './types.js';

/** The target had its rate limit's worth of actions in the window, whichever rule sent them. */
export async function rateLimitRefusal({ store, action, row, now }: GuardrailInput): Promise<string | undefined> {
  const limit = action.guardrails.rate_limit;
  if (!limit) return undefined;
  const n = await store.countStartedToTarget(row.target, now - limit.per_ms);
  return n >= limit.max ? `rate_limited: ${n} action(s) to ${row.target} in the last ${limit.per_ms / 1000} s (limit ${limit.max})` : undefined;
}
