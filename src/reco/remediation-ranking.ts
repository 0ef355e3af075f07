/**
 * Rank remediation actions for an incident by how they went on similar incidents before.
 *
 * Each past outcome counts toward its action with a weight equal to how similar its incident is
 * to the one at hand (same fingerprint 1; otherwise shared labels, only within the same entity
 * kind) and, optionally, how recent it is. The resulting success rate is shrunk twice so that
 * little evidence cannot dominate: toward the action's rate over all incidents, which is itself
 * shrunk toward a global prior. An action that fixed this very incident three times outranks
 * one that worked once elsewhere; an action never tried ranks at the prior.
 */

export type RemediationOutcome = 'succeeded' | 'failed' | 'verified';

export interface IncidentDescriptor {
  /** Stable identity of the incident's kind (e.g. alert name + entity); same fingerprint = same problem. */
  fingerprint: string;
  labels: Readonly<Record<string, string>>;
  /** host, service, card, ...: incidents of different kinds never count as similar. */
  entityKind?: string;
}

export interface RemediationOutcomeEvent {
  incident: IncidentDescriptor;
  action: string;
  outcome: RemediationOutcome;
  timestamp: number;
  /** One attempt may report `succeeded` (ran) and later `verified` or `failed`: the latest counts. */
  attemptId?: string;
}

export interface RemediationRankingOptions {
  /** Success rate assumed for an action with no history at all. */
  priorSuccess: number;
  /** Pseudo-attempts behind that prior. */
  priorStrength: number;
  /** Pseudo-attempts behind the action's overall rate when judging it on similar incidents. */
  actionPriorStrength: number;
  /** Credit of each outcome: verified fixed it; succeeded ran but the fix is unconfirmed. */
  credit: Readonly<Record<RemediationOutcome, number>>;
  /** Outcomes this much older than `now` count half; undefined = no decay. */
  halfLifeMs?: number;
  /** Incidents less similar than this are ignored. */
  minSimilarity: number;
  /** z of the lower bound reported (and used with rankBy 'lower-bound'). */
  z: number;
  rankBy: 'mean' | 'lower-bound';
  /** Attempts kept; the oldest recorded are forgotten beyond this. */
  maxHistory: number;
}

export const DEFAULT_REMEDIATION_RANKING_OPTIONS: Readonly<RemediationRankingOptions> = {
  priorSuccess: 0.5,
  priorStrength: 2,
  actionPriorStrength: 3,
  credit: { verified: 1, succeeded: 0.5, failed: 0 },
  minSimilarity: 0.25,
  z: 1.64,
  rankBy: 'mean',
  maxHistory: 100_000,
};

export interface RankedAction {
  action: string;
  /** What the ranking sorts by (the smoothed rate or its lower bound). */
  score: number;
  /** Smoothed success rate on incidents like this one. */
  successRate: number;
  /** successRate minus z standard errors: cautious when evidence is thin. */
  lowerBound: number;
  /** Similarity-weighted number of past attempts behind successRate. */
  evidence: number;
  /** Attempts on incidents with the same fingerprint. */
  sameIncidentAttempts: number;
  /** Smoothed rate over every incident, the prior successRate was shrunk toward. */
  overallRate: number;
}

/** Similarity of two incidents in [0, 1]. */
export function incidentSimilarity(a: IncidentDescriptor, b: IncidentDescriptor): number {
  if (a.fingerprint === b.fingerprint) return 1;
  if (a.entityKind !== undefined && b.entityKind !== undefined && a.entityKind !== b.entityKind) return 0;
  const pa = Object.entries(a.labels).map(([k, v]) => `${k}=${v}`);
  const pb = new Set(Object.entries(b.labels).map(([k, v]) => `${k}=${v}`));
  if (pa.length === 0 && pb.size === 0) return 0;
  const shared = pa.filter((p) => pb.has(p)).length;
  return shared / (pa.length + pb.size - shared);
}

/** Keeps past outcomes and ranks actions for a new incident. */
export class RemediationRanker {
  readonly options: RemediationRankingOptions;
  /** Attempts in the order first recorded, keyed by attemptId (or a generated key). */
  private readonly history = new Map<string, RemediationOutcomeEvent>();
  private anonymous = 0;

  constructor(options: Partial<RemediationRankingOptions> = {}) {
    this.options = { ...DEFAULT_REMEDIATION_RANKING_OPTIONS, ...options };
    const o = this.options;
    if (!(o.priorSuccess >= 0 && o.priorSuccess <= 1)) throw new RangeError('priorSuccess must be in [0, 1]');
    if (!(o.priorStrength > 0) || !(o.actionPriorStrength > 0)) throw new RangeError('prior strengths must be positive');
    if (!(o.maxHistory >= 1)) throw new RangeError('maxHistory must be at least 1');
  }

  record(event: RemediationOutcomeEvent): void {
    const key = event.attemptId === undefined ? `#${this.anonymous++}` : `a:${event.attemptId}`;
    const prev = this.history.get(key);
    if (prev && event.timestamp < prev.timestamp) return; // a late copy of an older report
    this.history.set(key, event); // an update keeps the attempt's place in the order
    while (this.history.size > this.options.maxHistory) {
      const oldest = this.history.keys().next().value;
      if (oldest === undefined) break;
      this.history.delete(oldest);
    }
  }

  get size(): number {
    return this.history.size;
  }

  /**
   * Actions best first. `candidates` limits (and extends) the list to the actions allowed for
   * this incident; by default every action with history is ranked.
   */
  rank(incident: IncidentDescriptor, candidates?: readonly string[], now = Date.now()): RankedAction[] {
    const o = this.options;
    const stats = new Map<string, { all: number; allCredit: number; sim: number; simCredit: number; same: number }>();
    const statsOf = (action: string) => {
      let s = stats.get(action);
      if (!s) stats.set(action, (s = { all: 0, allCredit: 0, sim: 0, simCredit: 0, same: 0 }));
      return s;
    };
    for (const action of candidates ?? []) statsOf(action);
    for (const e of this.history.values()) {
      if (candidates && !stats.has(e.action)) continue;
      const decay = o.halfLifeMs === undefined ? 1 : 0.5 ** (Math.max(0, now - e.timestamp) / o.halfLifeMs);
      const credit = o.credit[e.outcome] * decay;
      const s = statsOf(e.action);
      s.all += decay;
      s.allCredit += credit;
      const sim = incidentSimilarity(incident, e.incident);
      if (sim < o.minSimilarity) continue;
      s.sim += sim * decay;
      s.simCredit += sim * credit;
      if (e.incident.fingerprint === incident.fingerprint) s.same++;
    }
    const ranked: RankedAction[] = [];
    for (const [action, s] of stats) {
      const overallRate = (o.priorSuccess * o.priorStrength + s.allCredit) / (o.priorStrength + s.all);
      const successRate = (overallRate * o.actionPriorStrength + s.simCredit) / (o.actionPriorStrength + s.sim);
      const n = o.actionPriorStrength + s.sim;
      const lowerBound = Math.max(0, successRate - o.z * Math.sqrt((successRate * (1 - successRate)) / (n + 1)));
      const score = o.rankBy === 'mean' ? successRate : lowerBound;
      ranked.push({ action, score, successRate, lowerBound, evidence: s.sim, sameIncidentAttempts: s.same, overallRate });
    }
    return ranked.sort((a, b) => b.score - a.score || b.evidence - a.evidence || (a.action < b.action ? -1 : 1));
  }
}
