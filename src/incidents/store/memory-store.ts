import type { ActionEvent, ActionRow, ActionStatus, Finding, Incident, IncidentEvent, Silence } from '../types.js';
import { Serial } from '../serial.js';
import { currentScope, inScope, type Scope } from './exclusive.js';
import { LeaseLost, LIVE, type Commit, type FindingRecord, type IncidentQuery, type IncidentStore, type Lease, type OutboxRecord } from './store.js';

const LEASED = ['planned', 'approved', 'executing'];

/**
 * The store when no database is configured: the embedded default on a fresh machine. Lost on exit.
 * One process by construction, so `exclusive` is one in-process lock (whatever the keys).
 */
export class MemoryIncidentStore implements IncidentStore {
  readonly kind = 'memory' as const;
  private readonly lock = new Serial();
  private readonly leases = new Map<string, Lease>();
  private readonly findings = new Map<string, { f: Finding; incidentId: string | null; suppressedBy: string | null; receivedAt: number; events: IncidentEvent[] }>();
  private readonly incidents = new Map<string, Incident>();
  private readonly silences = new Map<string, Silence>();
  private readonly actions = new Map<string, ActionRow>();
  private readonly events = new Map<string, ActionEvent>();

  async init(): Promise<void> {}
  async exclusive<T>(keys: string[], fn: () => Promise<T>): Promise<T> {
    if (currentScope(this)) return fn();
    return this.lock.run(async () => {
      const scope: Scope = { owner: this, client: undefined, keys: new Set(keys), open: true };
      try {
        return await inScope(scope, fn);
      } finally {
        scope.open = false;
      }
    });
  }
  async ping(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}

  async findingEvents(id: string): Promise<IncidentEvent[] | undefined> {
    const x = this.findings.get(id);
    return x && clone(x.events);
  }
  async recordFinding(r: FindingRecord): Promise<void> {
    if (this.findings.has(r.finding.id)) return;
    this.findings.set(r.finding.id, { f: clone(r.finding), incidentId: r.incidentId, suppressedBy: r.suppressedBy, receivedAt: r.receivedAt, events: clone(r.events) });
    for (const i of r.incidents) this.incidents.set(i.id, clone(i));
  }
  async findingsOf(incidentId: string): Promise<Array<Finding & { received_at: number }>> {
    return [...this.findings.values()].filter((x) => x.incidentId === incidentId).map((x) => ({ ...clone(x.f), received_at: x.receivedAt }));
  }
  async countFindingsBetween(entity: string, since: number, until: number): Promise<number> {
    return [...this.findings.values()].filter((x) => x.f.entity === entity && x.receivedAt > since && x.receivedAt <= until && !x.suppressedBy).length;
  }

  async saveIncident(i: Incident): Promise<void> {
    this.incidents.set(i.id, clone(i));
  }
  async getIncident(id: string): Promise<Incident | undefined> {
    const i = this.incidents.get(id);
    return i && clone(i);
  }
  async liveIncidentByGroup(groupKey: string): Promise<Incident | undefined> {
    const i = [...this.incidents.values()].find((x) => x.group_key === groupKey && LIVE.includes(x.status));
    return i && clone(i);
  }
  async listIncidents(q: IncidentQuery): Promise<Incident[]> {
    return [...this.incidents.values()]
      .filter((i) => (q.status ? i.status === q.status : i.status !== 'pending') && (!q.entity || i.entity === q.entity))
      .sort((a, b) => b.first_seen - a.first_seen)
      .slice(0, q.limit ?? 100)
      .map(clone);
  }
  async quietIncidents(before: number): Promise<Incident[]> {
    return [...this.incidents.values()].filter((i) => LIVE.includes(i.status) && i.last_received_at < before).map(clone);
  }
  async countLive(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const i of this.incidents.values()) if (i.status === 'open' || i.status === 'acknowledged') out[i.severity] = (out[i.severity] ?? 0) + 1;
    return out;
  }
  async hasLiveKind(entity: string, kind: string): Promise<boolean> {
    return [...this.incidents.values()].some((i) => i.entity === entity && (i.status === 'open' || i.status === 'acknowledged') && i.kinds.includes(kind));
  }

  async saveSilence(s: Silence): Promise<void> {
    this.silences.set(s.id, clone(s));
  }
  async getSilence(id: string): Promise<Silence | undefined> {
    const s = this.silences.get(id);
    return s && clone(s);
  }
  async listSilences(now: number): Promise<Silence[]> {
    return [...this.silences.values()].filter((s) => s.ends_at > now).map(clone);
  }

  async insertAction(a: ActionRow, lease?: Lease): Promise<boolean> {
    if (this.actions.has(a.id)) return false;
    this.actions.set(a.id, clone(a));
    if (lease) this.leases.set(a.id, { ...lease });
    return true;
  }
  async takeLease(id: string, lease: Lease, now: number, force = false): Promise<boolean> {
    if (!this.actions.has(id)) return false;
    const l = this.leases.get(id);
    if (!force && l && l.owner !== lease.owner && l.until > now) return false;
    this.leases.set(id, { ...lease });
    return true;
  }
  async renewLeases(owner: string, until: number): Promise<number> {
    let n = 0;
    for (const [id, l] of this.leases) {
      if (l.owner === owner && LEASED.includes(this.actions.get(id)?.status ?? '')) {
        l.until = until;
        n += 1;
      }
    }
    return n;
  }
  async orphanedActions(now: number, limit: number): Promise<ActionRow[]> {
    return [...this.actions.values()]
      .filter((a) => LEASED.includes(a.status) && (this.leases.get(a.id)?.until ?? -Infinity) <= now)
      .sort((a, b) => a.created_at - b.created_at)
      .slice(0, limit)
      .map(clone);
  }
  async countExecuting(rule: string, now: number): Promise<number> {
    return [...this.actions.values()].filter((a) => a.rule === rule && a.status === 'executing' && (this.leases.get(a.id)?.until ?? -Infinity) > now).length;
  }
  async saveAction(a: ActionRow): Promise<void> {
    this.actions.set(a.id, clone(a));
  }
  async getAction(id: string): Promise<ActionRow | undefined> {
    const a = this.actions.get(id);
    return a && clone(a);
  }
  async listActions(q: { status?: ActionStatus; incident_id?: string; limit?: number }): Promise<ActionRow[]> {
    return [...this.actions.values()]
      .filter((a) => (!q.status || a.status === q.status) && (!q.incident_id || a.incident_id === q.incident_id))
      .sort((a, b) => b.created_at - a.created_at)
      .slice(0, q.limit ?? 100)
      .map(clone);
  }
  async actionsIn(statuses: ActionStatus[]): Promise<ActionRow[]> {
    return [...this.actions.values()].filter((a) => statuses.includes(a.status)).map(clone);
  }
  async countStartedToTarget(target: string, since: number): Promise<number> {
    return [...this.actions.values()].filter((a) => a.target === target && a.started_at !== null && a.started_at >= since).length;
  }
  async lastStart(rule: string, action: string, entity: string): Promise<number | undefined> {
    const starts = [...this.actions.values()]
      .filter((a) => a.rule === rule && a.action === action && a.entity === entity && a.started_at !== null)
      .map((a) => a.started_at!);
    return starts.length ? Math.max(...starts) : undefined;
  }
  async entitiesActedOn(environment: string, since: number): Promise<string[]> {
    return [...new Set([...this.actions.values()].filter((a) => a.environment === environment && a.started_at !== null && a.started_at >= since).map((a) => a.entity))];
  }

  private outbox: OutboxRecord[] = [];
  async commit(c: Commit): Promise<void> {
    // Checked before any write: a fenced commit is all or nothing, as in PostgreSQL.
    for (const a of c.actions ?? []) if (c.fence !== undefined && this.leases.get(a.id)?.owner !== c.fence) throw new LeaseLost(a.id);
    for (const i of c.incidents ?? []) this.incidents.set(i.id, clone(i));
    for (const a of c.actions ?? []) this.actions.set(a.id, clone(a));
    for (const e of c.actionEvents ?? []) if (!this.events.has(e.id)) this.events.set(e.id, clone(e));
    for (const r of c.outbox) if (!this.outbox.some((x) => x.id === r.id)) this.outbox.push(clone(r));
  }
  async pendingOutbox(limit: number): Promise<OutboxRecord[]> {
    return this.outbox.slice(0, limit).map(clone);
  }
  async deleteOutbox(ids: string[]): Promise<void> {
    const gone = new Set(ids);
    this.outbox = this.outbox.filter((r) => !gone.has(r.id));
  }

  async insertActionEvent(e: ActionEvent): Promise<void> {
    if (!this.events.has(e.id)) this.events.set(e.id, clone(e));
  }
  async actionEvents(q: { action_id?: string; incident_id?: string }): Promise<ActionEvent[]> {
    return [...this.events.values()]
      .filter((e) => (!q.action_id || e.action_id === q.action_id) && (!q.incident_id || e.incident_id === q.incident_id))
      .sort((a, b) => a.timestamp - b.timestamp)
      .map(clone);
  }
}

function clone<T>(x: T): T {
  return structuredClone(x);
}
