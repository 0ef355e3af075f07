import type { RemediationOptions } from '../options.js';
import type { RemediationRule, WebhookAction } from '../rules/rule-types.js';
import { lockKey } from '../store/exclusive.js';
import type { IncidentStore } from '../store/store.js';
import type { ActionRow } from '../types.js';

/**
 * The keys an action's claim serialises on: every guardrail that counts across actions is
 * counted under its key, so no two claims that share a count decide at once, in any process.
 */
export function claimKeys(row: ActionRow, rule: RemediationRule): string[] {
  return [lockKey.action(row.id), lockKey.environment(row.environment), lockKey.cooldown(rule.name, row.action, row.entity), lockKey.target(row.target), lockKey.rule(rule.name)];
}

/**
 * Why this action must not start now, or undefined: cooldown, rate limit per target, blast radius
 * per environment. Runs inside the claim's exclusive section, so what it counts cannot change
 * before the claim commits.
 */
export async function guardRefusal(store: IncidentStore, global: RemediationOptions, row: ActionRow, rule: RemediationRule, action: WebhookAction, now: number): Promise<string | undefined> {
  const g = action.guardrails;
  if (g.cooldown_ms) {
    const last = await store.lastStart(rule.name, action.name, row.entity);
    if (last !== undefined && now - last < g.cooldown_ms) return `cooldown: ${rule.name}/${action.name} ran on ${row.entity} ${Math.round((now - last) / 1000)} s ago (cooldown ${g.cooldown_ms / 1000} s)`;
  }
  if (g.rate_limit) {
    const n = await store.countStartedToTarget(row.target, now - g.rate_limit.per_ms);
    if (n >= g.rate_limit.max) return `rate_limited: ${n} action(s) to ${row.target} in the last ${g.rate_limit.per_ms / 1000} s (limit ${g.rate_limit.max})`;
  }
  const limits = [{ max: global.blastRadius, window: global.blastWindowMs, scope: 'global' }];
  if (g.blast_radius) limits.push({ max: g.blast_radius.max_entities, window: g.blast_radius.window_ms, scope: `rule ${rule.name}` });
  for (const l of limits) {
    const acted = await store.entitiesActedOn(row.environment, now - l.window);
    if (!acted.includes(row.entity) && acted.length >= l.max) {
      return `blast_radius: ${acted.length} entities in environment ${row.environment} already acted on in the last ${l.window / 1000} s (${l.scope} limit ${l.max})`;
    }
  }
  return undefined;
}
