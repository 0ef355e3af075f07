import type { AiopsRemediations } from '../platform/streams/records/aiops.remediations.js';
import type { IncidentDescriptor, RemediationOutcome, RemediationOutcomeEvent } from './remediation-ranking.js';

/** The fields of an `aiops.remediations` record the ranker reads (of the generated type). */
export type RemediationRecord = Pick<AiopsRemediations, 'incident_id' | 'action_id' | 'action' | 'timestamp' | 'decision' | 'labels' | 'entity'>;

/**
 * What a remediation decision says about the action's outcome: `verified` fixed it,
 * `delivered` ran (fix unconfirmed), `failed`/`dead_lettered`/`not_verified` did not work.
 * Decisions before or instead of running (planned, approved, skipped, ...) say nothing.
 */
export function outcomeOfDecision(decision: string): RemediationOutcome | undefined {
  switch (decision) {
    case 'verified':
      return 'verified';
    case 'delivered':
      return 'succeeded';
    case 'failed':
    case 'dead_lettered':
    case 'not_verified':
      return 'failed';
    default:
      return undefined;
  }
}

/**
 * A ranker event from a remediation record, or undefined when the decision is not an outcome.
 * `incident` should come from the incident's own `aiops.incidents` record (fingerprint, labels);
 * without it the record's labels stand in and only the same incident id counts as "the same".
 * The action id names the attempt, so `delivered` then `verified` count once, as verified.
 */
export function remediationOutcomeEvent(
  record: RemediationRecord,
  incident?: IncidentDescriptor,
): RemediationOutcomeEvent | undefined {
  const outcome = outcomeOfDecision(record.decision);
  if (outcome === undefined) return undefined;
  return {
    incident: incident ?? { fingerprint: `incident:${record.incident_id}`, labels: record.labels ?? {} },
    action: record.action,
    outcome,
    timestamp: record.timestamp,
    attemptId: record.action_id,
  };
}
