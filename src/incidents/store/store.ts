import type { ActionEvent, ActionRow, ActionStatus, Finding, Incident, IncidentEvent, IncidentStatus, Silence } from '../types.js';

export const LIVE: readonly IncidentStatus[] = ['pending', 'open', 'acknowledged'];

export interface FindingRecord {
  finding: Finding;
  incidentId: string | null;
  /** `silenced:<id>` or `inhibited:<kind>@<entity>`; null when it counted. */
  suppressedBy: string | null;
  receivedAt: number;
  events: IncidentEvent[];
  incidents: Incident[];
}

/** A record to append after the transaction that wrote it commits (see Outbox). */
export interface OutboxRecord {
  id: string;
  topic: string;
  key: string;
  value: object;
  headers: Record<string, string>;
}

/** Rows changed together with the records that announce the change: all or nothing. */
export interface Commit {
  incidents?: Incident[];
  actions?: ActionRow[];
  actionEvents?: ActionEvent[];
  outbox: OutboxRecord[];
  /** When set, the actions are written only while this process still holds their lease; else LeaseLost, and nothing is written. */
  fence?: string;
}

/** An action's lease: the process working on it, until when (wall ms). */
export interface Lease {
  owner: string;
  until: number;
}

/** A fenced write found the action's lease taken by another process (it outlived its lease). */
export class LeaseLost extends Error {
  constructor(readonly actionId: string) {
    super(`lease of action ${actionId} lost to another process`);
  }
}

export interface IncidentQuery {
  status?: IncidentStatus;
  entity?: string;
  limit?: number;
}

/**
 * Where incidents, findings, silences, actions and their decisions live. PostgreSQL in
 * production and tests; memory when no database is configured (the embedded default).
 * Every write is idempotent on its id, so a replayed record changes nothing.
 */
export interface IncidentStore {
  readonly kind: 'postgres' | 'memory';
  init(): Promise<void>;
  /**
   * Runs `fn` alone among every section that names one of `keys`, in every process on this store:
   * PostgreSQL runs it as one transaction holding an advisory lock per key (taken in one global
   * order); memory runs it under one in-process lock. Store calls made inside join the section, so
   * a check and the claim it allows commit together or not at all. Nested calls join the outer one.
   */
  exclusive<T>(keys: string[], fn: () => Promise<T>): Promise<T>;
  /** True when the store answers now. */
  ping(): Promise<boolean>;
  close(): Promise<void>;

  /** The events a stored finding caused; undefined when the finding was never stored. */
  findingEvents(id: string): Promise<IncidentEvent[] | undefined>;
  /** Stores a finding, the incidents it changed and the events it caused, all or nothing. */
  recordFinding(r: FindingRecord): Promise<void>;
  findingsOf(incidentId: string): Promise<Array<Finding & { received_at: number }>>;
  /** Findings for an entity received in (since, until] (wall time), suppressed ones excluded. */
  countFindingsBetween(entity: string, since: number, until: number): Promise<number>;

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

  /** False when an action with this id exists (the same incident, rule and action seen again). `lease`: whoever plans it holds it. */
  insertAction(a: ActionRow, lease?: Lease): Promise<boolean>;
  /**
   * Takes the action's lease for `lease.owner`: when it has none, it expired before `now`, or the
   * owner holds it already (`force`: whatever it is — the caller holds the action's lock and has
   * checked its status). True when taken: exactly one of several takers wins.
   */
  takeLease(id: string, lease: Lease, now: number, force?: boolean): Promise<boolean>;
  /** Extends every lease `owner` holds on an unfinished action (planned, approved, executing); returns how many. */
  renewLeases(owner: string, until: number): Promise<number>;
  /** Unfinished actions (planned, approved, executing) with no lease, or one that expired before `now`: their process died. */
  orphanedActions(now: number, limit: number): Promise<ActionRow[]>;
  /** Executing actions of a rule whose lease is alive at `now` (max_concurrent counts them). */
  countExecuting(rule: string, now: number): Promise<number>;
  saveAction(a: ActionRow): Promise<void>;
  getAction(id: string): Promise<ActionRow | undefined>;
  listActions(q: { status?: ActionStatus; incident_id?: string; limit?: number }): Promise<ActionRow[]>;
  actionsIn(statuses: ActionStatus[]): Promise<ActionRow[]>;
  /** Actions to `target` that started executing at or after `since`. */
  countStartedToTarget(target: string, since: number): Promise<number>;
  /** Latest start of this rule's action on this entity. */
  lastStart(rule: string, action: string, entity: string): Promise<number | undefined>;
  /** Distinct entities of an environment with an action started at or after `since`. */
  entitiesActedOn(environment: string, since: number): Promise<string[]>;

  insertActionEvent(e: ActionEvent): Promise<void>;
  /** Saves incidents and actions, inserts action events (once per id) and outbox records, in one transaction. */
  commit(c: Commit): Promise<void>;
  /** Outbox records not yet appended, oldest first. */
  pendingOutbox(limit: number): Promise<OutboxRecord[]>;
  deleteOutbox(ids: string[]): Promise<void>;
  actionEvents(q: { action_id?: string; incident_id?: string }): Promise<ActionEvent[]>;
}
