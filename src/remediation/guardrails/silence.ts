import { matchesAll } from '../../lib/incident-records/index.js';
import type { PlanInput } from './types.js';

/** A silence (or maintenance window) in force whose matchers hold for the incident, the rule and the action. */
export async function silenceRefusal({ store, incident, rule, action, now }: PlanInput): Promise<string | undefined> {
  const attrs = { ...incident.labels, entity: incident.entity, environment: incident.environment, severity: incident.severity, kind: incident.kinds[0] ?? '', rule: rule.name, action: action.name };
  const silence = (await store.listSilences(now)).find((s) => s.starts_at <= now && now < s.ends_at && matchesAll(s.matchers, attrs));
  return silence ? `silenced by ${silence.id} until ${new Date(silence.ends_at).toISOString()}` : undefined;
}
