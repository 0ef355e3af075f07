import { ephemeralSecret } from '../../src/platform/webhooks/signing.js';
import { messageId } from '../../src/platform/bus/message-id.js';
import type { RemediationRule } from '../../src/lib/remediation-rules/index.js';
import type { Incident, IncidentEvent } from '../../src/lib/incident-records/index.js';

/**
 * The remediation bench's workload, shared by the parent and its worker processes: `incidents`
 * incidents, one entity each, spread over `environments` environments; per environment one rule
 * (its own webhook target) with every guardrail that counts across actions — blast radius 5
 * entities, rate limit 4 per target, cooldown, max_concurrent 2. So each environment sends exactly
 * 4 actions whatever the order or the number of processes, and the rest are skipped with a reason.
 */
export interface Workload {
  incidents: number;
  environments: number;
  receiver: string;
}

export const LIMITS = { blast: 5, rate: 4, concurrent: 2 };

export function benchRules(w: Workload): RemediationRule[] {
  return Array.from({ length: w.environments }, (_, e) => ({
    name: `bench-env-${e}`,
    file: 'bench',
    line: e + 1,
    match: { environment: `env-${e}` },
    actions: [
      {
        name: 'restart',
        url: `${w.receiver}/env-${e}`,
        format: 'vigil' as const,
        headers: {},
        secrets: [ephemeralSecret()],
        ephemeralSecret: false,
        guardrails: {
          blast_radius: { max_entities: LIMITS.blast, window_ms: 3_600_000 },
          rate_limit: { max: LIMITS.rate, per_ms: 3_600_000 },
          cooldown_ms: 3_600_000,
          max_concurrent: LIMITS.concurrent,
        },
      },
    ],
  }));
}

export function benchIncident(i: number, w: Workload, now: number): Incident {
  // Consecutive incidents share an environment, and every worker takes every W-th: the workers
  // decide the same environment's actions at the same time, as partitions of one burst would.
  const environment = `env-${Math.floor((i * w.environments) / w.incidents)}`;
  const entity = `host-${i}`;
  return {
    id: messageId('bench-incident', i),
    fingerprint: messageId('bench-fp', i),
    group_key: `entity=${entity}`,
    entity,
    environment,
    status: 'open',
    severity: 'critical',
    title: `bench ${entity}`,
    labels: { environment },
    kinds: ['metric_anomaly'],
    fingerprints: [messageId('bench-fp', i)],
    occurrences: 1,
    score: 0.95,
    first_seen: now,
    last_seen: now,
    last_received_at: now,
    opened_at: now,
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolved_by: null,
    resolution: null,
    false_positive: false,
    seq: 1,
  };
}

export function openedEvent(inc: Incident): IncidentEvent {
  return { id: messageId(inc.id, 'incident-event', 1), incident_id: inc.id, fingerprint: inc.fingerprint, timestamp: inc.first_seen, event: 'opened', status: 'open', entity: inc.entity };
}
