import { describe, expect, it } from 'vitest';
import { incidentSimilarity, RemediationRanker, type IncidentDescriptor, type RemediationOutcome } from './remediation-ranking.js';

const diskFull: IncidentDescriptor = { fingerprint: 'disk-full/db-1', labels: { alertname: 'DiskFull', service: 'db' }, entityKind: 'host' };
const diskFullOther: IncidentDescriptor = { fingerprint: 'disk-full/db-2', labels: { alertname: 'DiskFull', service: 'db' }, entityKind: 'host' };
const latency: IncidentDescriptor = { fingerprint: 'latency/api', labels: { alertname: 'HighLatency', service: 'api' }, entityKind: 'service' };

/** A past attempt: incident, action, outcome. */
type Attempt = [IncidentDescriptor, string, RemediationOutcome];

function ranker(history: Attempt[]): RemediationRanker {
  const r = new RemediationRanker();
  history.forEach(([incident, action, outcome], t) => r.record({ incident, action, outcome, timestamp: t }));
  return r;
}

describe('incidentSimilarity', () => {
  it('is 1 for the same fingerprint, Jaccard of labels within a kind, 0 across kinds', () => {
    expect(incidentSimilarity(diskFull, { ...diskFull, labels: {} })).toBe(1);
    expect(incidentSimilarity(diskFull, diskFullOther)).toBe(1); // identical labels
    expect(incidentSimilarity(diskFull, { fingerprint: 'x', labels: { alertname: 'DiskFull', service: 'web' }, entityKind: 'host' })).toBeCloseTo(1 / 3, 12);
    expect(incidentSimilarity(diskFull, { ...latency, labels: diskFull.labels })).toBe(0);
  });
});

describe('RemediationRanker', () => {
  it('computes the twice-smoothed rate by hand', () => {
    // clean-logs on this incident: verified, verified, failed → overall (0.5·2 + 2) / (2 + 3) = 0.6;
    // on this incident (similarity 1): (0.6·3 + 2) / (3 + 3) = 0.6333…
    const r = ranker([
      [diskFull, 'clean-logs', 'verified'],
      [diskFull, 'clean-logs', 'verified'],
      [diskFull, 'clean-logs', 'failed'],
    ]);
    const [top] = r.rank(diskFull);
    expect(top!.action).toBe('clean-logs');
    expect(top!.overallRate).toBeCloseTo(0.6, 12);
    expect(top!.successRate).toBeCloseTo((0.6 * 3 + 2) / 6, 12);
    expect(top!.evidence).toBe(3);
    expect(top!.sameIncidentAttempts).toBe(3);
  });

  it('prefers what worked on similar incidents over what works elsewhere', () => {
    const r = ranker([
      [diskFull, 'clean-logs', 'verified'],
      [diskFullOther, 'clean-logs', 'verified'],
      [diskFull, 'restart', 'failed'],
      [latency, 'restart', 'verified'],
      [latency, 'restart', 'verified'],
      [latency, 'restart', 'verified'],
      [latency, 'restart', 'verified'],
    ]);
    expect(r.rank(diskFull).map((a) => a.action)).toEqual(['clean-logs', 'restart']);
    expect(r.rank(latency).map((a) => a.action)).toEqual(['restart', 'clean-logs']);
  });

  it('does not let one lucky outcome beat a long good record', () => {
    const history: Attempt[] = [[diskFull, 'lucky', 'verified']];
    for (let i = 0; i < 20; i++) history.push([diskFull, 'steady', i % 10 === 0 ? 'failed' : 'verified']);
    const ranked = ranker(history).rank(diskFull);
    expect(ranked.map((a) => a.action)).toEqual(['steady', 'lucky']);
    expect(ranked[1]!.successRate).toBeLessThan(0.9);
  });

  it('ranks candidates without history at the prior and leaves out actions not allowed', () => {
    const r = ranker([
      [diskFull, 'clean-logs', 'failed'],
      [diskFull, 'clean-logs', 'failed'],
      [diskFull, 'scale-up', 'verified'],
    ]);
    const ranked = r.rank(diskFull, ['clean-logs', 'expand-volume']);
    expect(ranked.map((a) => a.action)).toEqual(['expand-volume', 'clean-logs']);
    expect(ranked[0]!.successRate).toBe(0.5);
    expect(ranked[0]!.evidence).toBe(0);
  });

  it('counts an attempt once, by its latest outcome', () => {
    const r = new RemediationRanker();
    r.record({ incident: diskFull, action: 'restart', outcome: 'succeeded', timestamp: 1, attemptId: 'a1' });
    r.record({ incident: diskFull, action: 'restart', outcome: 'failed', timestamp: 2, attemptId: 'a1' });
    const [top] = r.rank(diskFull);
    expect(top!.evidence).toBe(1);
    expect(top!.overallRate).toBeCloseTo(1 / 3, 12); // (0.5·2 + 0) / 3
  });

  it('forgets the oldest attempts beyond maxHistory', () => {
    const r = new RemediationRanker({ maxHistory: 2 });
    r.record({ incident: diskFull, action: 'old', outcome: 'verified', timestamp: 1 });
    r.record({ incident: diskFull, action: 'mid', outcome: 'verified', timestamp: 2 });
    r.record({ incident: diskFull, action: 'new', outcome: 'failed', timestamp: 3 });
    expect(r.size).toBe(2);
    expect(r.rank(diskFull).map((a) => a.action).sort()).toEqual(['mid', 'new']);
  });

  it('weighs succeeded (ran, unconfirmed) below verified, and old outcomes below new ones with a half-life', () => {
    const r = ranker([
      [diskFull, 'ran', 'succeeded'],
      [diskFull, 'fixed', 'verified'],
    ]);
    expect(r.rank(diskFull).map((a) => a.action)).toEqual(['fixed', 'ran']);

    const decayed = new RemediationRanker({ halfLifeMs: 1000 });
    decayed.record({ incident: diskFull, action: 'old-fix', outcome: 'verified', timestamp: 0 });
    decayed.record({ incident: diskFull, action: 'old-fix', outcome: 'verified', timestamp: 0 });
    decayed.record({ incident: diskFull, action: 'new-fix', outcome: 'verified', timestamp: 10_000 });
    expect(decayed.rank(diskFull, undefined, 10_000).map((a) => a.action)).toEqual(['new-fix', 'old-fix']);
  });

  it('ranks by the lower bound when asked, favouring the better-attested action', () => {
    const history: Attempt[] = [[diskFull, 'once', 'verified']];
    for (let i = 0; i < 30; i++) history.push([diskFull, 'many', i % 6 === 0 ? 'failed' : 'verified']);
    const r = new RemediationRanker({ rankBy: 'lower-bound', priorStrength: 0.5, actionPriorStrength: 0.5 });
    history.forEach(([incident, action, outcome], t) => r.record({ incident, action, outcome, timestamp: t }));
    const ranked = r.rank(diskFull);
    expect(ranked[0]!.action).toBe('many');
    expect(ranked.find((a) => a.action === 'once')!.successRate).toBeGreaterThan(ranked[0]!.successRate);
  });
});
