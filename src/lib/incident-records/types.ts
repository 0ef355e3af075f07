import type { AiopsIncidents, AiopsRemediations } from '../../platform/streams/records/index.js';
import type { WithFields } from '../../platform/streams/record-shapes.js';

/** A finding as the incidents service sees it: from aiops.anomalies or aiops.predictions. */
export interface Finding {
  id: string;
  entity: string;
  /** Event time (ms). */
  timestamp: number;
  /** metric_anomaly, host_down, prediction:<limit>, ... */
  kind: string;
  source: 'anomalies' | 'predictions';
  score: number;
  labels: Record<string, string>;
  /** Same fingerprint = the same problem seen again. */
  fingerprint: string;
  title: string;
}

export type IncidentStatus = 'pending' | 'open' | 'acknowledged' | 'resolved';
export type Severity = 'info' | 'warning' | 'critical';

export interface Incident {
  id: string;
  /** Grouping key's hash: one live incident per group. */
  fingerprint: string;
  group_key: string;
  entity: string;
  environment: string;
  status: IncidentStatus;
  severity: Severity;
  title: string;
  labels: Record<string, string>;
  kinds: string[];
  fingerprints: string[];
  occurrences: number;
  score: number;
  first_seen: number;
  /** Event time of the latest finding: the grouping window extends from it. */
  last_seen: number;
  /** Wall time of the latest finding: the quiet period counts from it. */
  last_received_at: number;
  opened_at: number | null;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  resolution: string | null;
  false_positive: boolean;
  /** Lifecycle events emitted so far (their ids are derived from it). */
  seq: number;
}

export interface Matcher {
  name: string;
  value: string;
  /** `=`, `!=`, `=~` (regex, anchored), `!~`. */
  op: '=' | '!=' | '=~' | '!~';
}

export interface Silence {
  id: string;
  matchers: Matcher[];
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string;
  created_at: number;
}

/** Where an action stands: a decision it was last given (not a failed attempt, which is retried), or executing. */
export type ActionStatus = Exclude<AiopsRemediations['decision'], 'failed'> | 'executing';

export interface ActionRow {
  id: string;
  incident_id: string;
  rule: string;
  action: string;
  entity: string;
  environment: string;
  target: string;
  status: ActionStatus;
  reason: string | null;
  attempts: number;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  /** When it began executing (rate limit, cooldown and blast radius count from it). */
  started_at: number | null;
  delivered_at: number | null;
  verify_by: number | null;
  decided_by: string | null;
  /** environment, the incident's fingerprint, kind and top metric: on every event, so the recommender can compare incidents. */
  labels: Record<string, string>;
}

/** One decision or outcome of an action: a row and an aiops.remediations event (its schema's type; Vigil always names the rule). */
export type ActionEvent = WithFields<AiopsRemediations, 'rule'>;

/** An aiops.incidents event (streams/schemas/aiops.incidents.schema.json). */
export type IncidentEvent = AiopsIncidents;
