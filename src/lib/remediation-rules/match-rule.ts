import { globToRegExp, type Incident } from '../incident-records/index.js';
import type { MatchValue, RemediationRule } from './rule-types.js';

/** Does the rule's `match` hold for the incident? Strings are globs (`*`, `?`); a list matches any of them. */
export function ruleMatches(rule: RemediationRule, inc: Incident): boolean {
  const m = rule.match;
  if (m.entity !== undefined && !valueMatches(m.entity, [inc.entity])) return false;
  if (m.kind !== undefined && !valueMatches(m.kind, inc.kinds)) return false;
  if (m.severity !== undefined && !valueMatches(m.severity, [inc.severity])) return false;
  if (m.environment !== undefined && !valueMatches(m.environment, [inc.environment])) return false;
  if (m.min_score !== undefined && inc.score < m.min_score) return false;
  for (const [label, want] of Object.entries(m.labels ?? {})) {
    const have = inc.labels[label];
    if (have === undefined || !valueMatches(want, [have])) return false;
  }
  return true;
}

/** True when any pattern matches any of the values. */
function valueMatches(want: MatchValue, values: readonly string[]): boolean {
  const patterns = Array.isArray(want) ? want : [want];
  return patterns.some((p) => {
    const re = globToRegExp(p);
    return values.some((v) => re.test(v));
  });
}
