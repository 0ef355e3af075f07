import type { GuardrailInput } from './types.js';

/** Acting on one more entity of the environment would pass the global limit or the rule's own. */
export async function blastRadiusRefusal({ store, defaults, rule, action, row, now }: GuardrailInput): Promise<string | undefined> {
  const limits = [{ max: defaults.blastRadius, window: defaults.blastWindowMs, scope: 'global' }];
  const own = action.guardrails.blast_radius;
  if (own) limits.push({ max: own.max_entities, window: own.window_ms, scope: `rule ${rule.name}` });
  for (const l of limits) {
    const acted = await store.entitiesActedOn(row.environment, now - l.window);
    if (!acted.includes(row.entity) && acted.length >= l.max) {
      return `blast_radius: ${acted.length} entities in environment ${row.environment} already acted on in the last ${l.window / 1000} s (${l.scope} limit ${l.max})`;
    }
  }
  return undefined;
}
