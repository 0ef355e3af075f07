import type { Lease, RecordStore } from '../../lib/incident-records/index.js';
import type { OutboxRecord } from '../../platform/db/outbox.js';
import type { ActionEvent, ActionRow, ActionStatus, Incident, Silence } from '../types.js';

export type { Lease };

/** Rows changed together with the records that announce the change: all or nothing. */
export interface Commit {
  actions?: ActionRow[];
  actionEvents?: ActionEvent[];
  outbox: OutboxRecord[];
  /** When set, the actions are written only while this process still holds their lease; else LeaseLost, and nothing is written. */
  fence?: string;
}

/** A fenced write found the action's lease taken by another process (it outlived its lease). */
export class LeaseLost extends Error {
  constructor(readonly actionId: string) {
    super(`lease of action ${actionId} lost to another process`);
  }
}

export interface ActionQuery {
  status?: ActionStatus;
  incident_id?: string;
  limit?: number;
}

/**
 * Where actions, their leases and their decisions live, and remediation's reads of the incidents
 * service's tables in the same database (the incident, its silences, findings after a delivery).
 * PostgreSQL in production and tests; the memory database when none is configured. Every write
 * is idempotent on its id, so a replayed record changes nothing.
 */
export interface ActionStore extends RecordStore {

  /** The incident an action is for (the incidents service's row). */
  getIncident(id: string): Promise<Incident | undefined>;
  /** Silences not yet ended at `now` (including future maintenance windows). */
  listSilences(now: number): Promise<Silence[]>;
  /** Findings for an entity received in (since, until] (wall time), suppressed ones excluded. */
  countFindingsBetween(entity: string, since: number, until: number): Promise<number>;

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
  getAction(id: string): Promise<ActionRow | undefined>;
  listActions(q: ActionQuery): Promise<ActionRow[]>;
  actionsIn(statuses: ActionStatus[]): Promise<ActionRow[]>;
  /** Actions to `target` that started executing at or after `since`. */
  countStartedToTarget(target: string, since: number): Promise<number>;
  /** Latest start of this rule's action on this entity. */
  lastStart(rule: string, action: string, entity: string): Promise<number | undefined>;
  /** Distinct entities of an environment with an action started at or after `since`. */
  entitiesActedOn(environment: string, since: number): Promise<string[]>;

  /** Saves actions, inserts action events (once per id) and outbox records, in one transaction. */
  commit(c: Commit): Promise<void>;
  actionEvents(q: { action_id?: string; incident_id?: string }): Promise<ActionEvent[]>;
}
