import type { PlanInput } from './types.js';

/** A resolved incident needs nothing; a replay of old findings (a new consumer group, a restored topic) must not act on the past. */
export function incidentRefusal({ incident, defaults, now }: PlanInput): string | undefined {
  if (incident.status === 'resolved') return `incident already resolved (${incident.resolution ?? 'no reason'})`;
  const maxAge = defaults.maxFindingAgeMs;
  if (maxAge > 0 && now - incident.last_seen > maxAge) {
    return `stale: the incident's last finding is ${Math.round((now - incident.last_seen) / 1000)} s old (limit ${maxAge / 1000} s)`;
  }
  return undefined;
}
