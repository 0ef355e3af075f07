import { describe, expect, it } from 'vitest';
import { outcomeOfDecision, remediationOutcomeEvent } from './remediation-events.js';
import { RemediationRanker } from './remediation-ranking.js';

describe('remediation records', () => {
  it('maps decisions to outcomes, and the rest to nothing', () => {
    expect(outcomeOfDecision('verified')).toBe('verified');
    expect(outcomeOfDecision('delivered')).toBe('succeeded');
    for (const d of ['failed', 'dead_lettered', 'not_verified']) expect(outcomeOfDecision(d)).toBe('failed');
    for (const d of ['planned', 'dry_run', 'awaiting_approval', 'approved', 'rejected', 'expired', 'skipped']) {
      expect(outcomeOfDecision(d)).toBeUndefined();
    }
  });

  it('feeds the ranker: delivered then verified is one verified attempt', () => {
    const incident = { fingerprint: 'disk-full/db-1', labels: { alertname: 'DiskFull' } };
    const ranker = new RemediationRanker();
    const base = { incident_id: 'inc-1', action_id: 'act-1', action: 'clean-logs' };
    for (const [decision, timestamp] of [['planned', 1], ['delivered', 2], ['verified', 3]] as const) {
      const event = remediationOutcomeEvent({ ...base, decision, timestamp }, incident);
      if (event) ranker.record(event);
    }
    expect(ranker.size).toBe(1);
    const [top] = ranker.rank(incident);
    expect(top).toMatchObject({ action: 'clean-logs', evidence: 1, sameIncidentAttempts: 1 });
    expect(top!.overallRate).toBeCloseTo(2 / 3, 12); // (0.5·2 + 1) / 3
  });

  it('stands the record\'s labels in for the incident when it is not known', () => {
    const event = remediationOutcomeEvent({
      incident_id: 'inc-9', action_id: 'a', action: 'restart', timestamp: 5, decision: 'failed', labels: { service: 'api' },
    });
    expect(event).toEqual({
      incident: { fingerprint: 'incident:inc-9', labels: { service: 'api' } },
      action: 'restart',
      outcome: 'failed',
      timestamp: 5,
      attemptId: 'a',
    });
  });
});
