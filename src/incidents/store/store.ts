import type { RecordStore } from '../../lib/incident-records/index.js';
import type { OutboxRecord } from '../../platform/db/outbox.js';
import type { ActionEvent, ActionRow, Finding, Incident, IncidentEvent, IncidentStatus, Silence } from '../types.js';

export { LIVE } from '../../lib/incident-records/index.js';

export interface FindingRecord {
  finding: Finding;
  incidentId: string | null;
  /** `silenced:<id>` or `inhibited:<kind>@<entity>`; null when it counted. */
  suppressedBy: string | null;
  receivedAt: number;
  events: IncidentEvent[];
  incidents: Incident[];
}

/** Incidents changed together with the records that announce the change: all or nothing. */
export interface Commit {
  incidents?: Incident[];
  outbox: OutboxRecord[];
}

export interface IncidentQuery {
  status?: IncidentStatus;
  entity?: string;
  limit?: number;
}

/**
 * Where incidents, findings and silences live, and the incidents API's reads of an incident's
 * actions (remediation's tables, in the same database). PostgreSQL in production and tests;
 * the memory database when none is configured (the embedded default). Every write is idempotent
 * on its id, so a replayed record changes nothing.
 */
export interface IncidentStore extends RecordStore {

  /** The events a stored finding caused; undefined when the finding was never stored. */
  findingEvents(id: string): Promise<IncidentEvent[] | undefined>;
  /** Stores a finding, the incidents it changed and the events it caused, all or nothing. */
  recordFinding(r: FindingRecord): Promise<void>;
  findingsOf(incidentId: string): Promise<Array<Finding & { received_at: number }>>;

  saveIncident(i: Incident): Promise<void>;
  getIncident(id: string): Promise<Incident | undefined>;
  liveIncidentByGroup(groupKey: string): Promise<Incident | undefined>;
  listIncidents(q: IncidentQuery): Promise<Incident[]>;
  /** Live incidents whose last finding was received before `before` (wall time). */
  quietIncidents(before: number): Promise<Incident[]>;
  /** Open or acknowledged incidents by severity (the vigil_incidents_open gauge). */
  countLive(): Promise<Record<string, number>>;
  /** Is there an open or acknowledged incident on `entity` with a finding of `kind`? */
  hasLiveKind(entity: string, kind: string): Promise<boolean>;

  saveSilence(s: Silence): Promise<void>;
  getSilence(id: string): Promise<Silence | undefined>;
  /** Silences not yet ended at `now` (including future maintenance windows). */
  listSilences(now: number): Promise<Silence[]>;

  /** Saves incidents and inserts outbox records, in one transaction. */
  commit(c: Commit): Promise<void>;

  /** An incident's actions, newest first (GET /incidents/:id). */
  actionsOf(incidentId: string): Promise<ActionRow[]>;
  /** An incident's action decisions, oldest first (GET /incidents/:id). */
  decisionsOf(incidentId: string): Promise<ActionEvent[]>;
}
