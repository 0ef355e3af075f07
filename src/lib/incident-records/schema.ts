import type { Finding, IncidentEvent } from './types.js';

/**
 * The tables of the incidents database, one schema shared by two services: incidents writes
 * incidents, findings and silences; remediation writes actions and action_events; each reads what
 * it needs of the other's (remediation: the incident, its silences and the findings after a
 * delivery; incidents: an incident's actions for its API). Each keeps the columns queries filter
 * on plus the whole record as jsonb (`doc`), so a record's shape can grow without migrations.
 * Idempotent: both services run it at start (`$schema` is the quoted schema).
 */
export const INCIDENT_TABLES_DDL = `
  CREATE TABLE IF NOT EXISTS $schema.incidents (
    id text PRIMARY KEY, group_key text NOT NULL, entity text NOT NULL, status text NOT NULL,
    first_seen bigint NOT NULL, last_received_at bigint NOT NULL, doc jsonb NOT NULL);
  CREATE INDEX IF NOT EXISTS incidents_group ON $schema.incidents (group_key) WHERE status IN ('pending', 'open', 'acknowledged');
  CREATE INDEX IF NOT EXISTS incidents_entity ON $schema.incidents (entity, status);
  CREATE TABLE IF NOT EXISTS $schema.findings (
    id text PRIMARY KEY, incident_id text, entity text NOT NULL, suppressed_by text,
    received_at bigint NOT NULL, doc jsonb NOT NULL, events jsonb NOT NULL DEFAULT '[]');
  ALTER TABLE $schema.findings ADD COLUMN IF NOT EXISTS events jsonb NOT NULL DEFAULT '[]';
  CREATE INDEX IF NOT EXISTS findings_incident ON $schema.findings (incident_id);
  CREATE INDEX IF NOT EXISTS findings_entity ON $schema.findings (entity, received_at);
  CREATE TABLE IF NOT EXISTS $schema.silences (id text PRIMARY KEY, ends_at bigint NOT NULL, doc jsonb NOT NULL);
  CREATE TABLE IF NOT EXISTS $schema.actions (
    id text PRIMARY KEY, incident_id text NOT NULL, rule text NOT NULL, action text NOT NULL,
    entity text NOT NULL, environment text NOT NULL, target text NOT NULL, status text NOT NULL,
    created_at bigint NOT NULL, started_at bigint, doc jsonb NOT NULL);
  ALTER TABLE $schema.actions ADD COLUMN IF NOT EXISTS lease_owner text;
  ALTER TABLE $schema.actions ADD COLUMN IF NOT EXISTS lease_until bigint;
  CREATE INDEX IF NOT EXISTS actions_status ON $schema.actions (status);
  CREATE INDEX IF NOT EXISTS actions_executing ON $schema.actions (rule) WHERE status = 'executing';
  CREATE INDEX IF NOT EXISTS actions_environment ON $schema.actions (environment, started_at);
  CREATE INDEX IF NOT EXISTS actions_target ON $schema.actions (target, started_at);
  CREATE INDEX IF NOT EXISTS actions_incident ON $schema.actions (incident_id);
  CREATE TABLE IF NOT EXISTS $schema.action_events (
    id text PRIMARY KEY, action_id text NOT NULL, incident_id text NOT NULL, ts bigint NOT NULL, doc jsonb NOT NULL);
  CREATE INDEX IF NOT EXISTS action_events_action ON $schema.action_events (action_id);
`;

/** The same tables in the memory database (MemoryDatabase.table): names, and the row of each that is not its record. */
export const MEMORY_TABLES = {
  incidents: 'incidents',
  findings: 'findings',
  silences: 'silences',
  actions: 'actions',
  actionEvents: 'action_events',
  /** An action's lease (the columns lease_owner, lease_until of PostgreSQL's actions). */
  leases: 'action_leases',
} as const;

/** A row of the memory `findings` table. */
export interface MemoryFindingRow {
  f: Finding;
  incidentId: string | null;
  suppressedBy: string | null;
  receivedAt: number;
  events: IncidentEvent[];
}

/** An action's lease: the process working on it, until when (wall ms). */
export interface Lease {
  owner: string;
  until: number;
}

/** Statuses of an incident that is still live. */
export const LIVE = ['pending', 'open', 'acknowledged'] as const;
