import { ruleMatches, type RemediationRule } from '../../lib/remediation-rules/index.js';
import type { Incident } from '../types.js';

export type Ranking = { actions: Array<{ action: string; score: number; successRate: number; evidence: number }> } | { error: string };

/**
 * The recommender's ranking of the actions the rules would take on this incident, from past
 * outcomes on aiops.remediations (`GET <reco>/reco/actions`). Best effort: an unreachable
 * recommender gives `{error}` and the incident is still served.
 */
export async function rankingFor(recoUrl: string, inc: Incident, rules: readonly RemediationRule[], timeoutMs = 1000): Promise<Ranking> {
  const candidates = [...new Set(rules.filter((r) => ruleMatches(r, inc)).flatMap((r) => r.actions.map((a) => a.name)))];
  if (candidates.length === 0) return { actions: [] };
  const labels = { environment: inc.environment, fingerprint: inc.fingerprint, kind: inc.kinds[0] ?? '', severity: inc.severity, ...(inc.labels.top_metric ? { top_metric: inc.labels.top_metric } : {}) };
  const q = new URLSearchParams({
    fingerprint: inc.fingerprint,
    labels: Object.entries(labels)
      .filter(([, v]) => v !== '' && !/[,=]/.test(v))
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    candidates: candidates.join(','),
  });
  try {
    const res = await fetch(`${recoUrl}/reco/actions?${q}`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { error: `recommender answered ${res.status}` };
    return (await res.json()) as Ranking;
  } catch (e) {
    return { error: `recommender unreachable: ${(e as Error).message}` };
  }
}
