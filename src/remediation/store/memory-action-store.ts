import { clone, MEMORY_TABLES as T, MemoryRecordStore } from '../../lib/incident-records/index.js';
import type { MemoryDatabase } from '../../platform/db/memory-database.js';
import type { ActionEvent, ActionRow, ActionStatus, Incident, Silence } from '../types.js';
import { LeaseLost, type ActionQuery, type ActionStore, type Commit, type Lease } from './store.js';

const LEASED = ['planned', 'approved', 'executing'];

/**
 * Remediation's tables in the memory database (no database configured: the embedded default),
 * where it reads the incidents service's too. One process by construction. Lost on exit.
 */
export class MemoryActionStore extends MemoryRecordStore implements ActionStore {
  private readonly leases: Map<string, Lease>;

  constructor(mem: MemoryDatabase) {
    super(mem);
    this.leases = mem.table(T.leases);
  }

  async countFindingsBetween(entity: string, since: number, until: number): Promise<number> {
    return [...this.findings.values()].filter((x) => x.f.entity === entity && x.receivedAt > since && x.receivedAt <= until && !x.suppressedBy).length;
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
  async getAction(id: string): Promise<ActionRow | undefined> {
    const a = this.actions.get(id);
    return a && clone(a);
  }
  async listActions(q: ActionQuery): Promise<ActionRow[]> {
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

  async commit(c: Commit): Promise<void> {
    // Checked before any write: a fenced commit is all or nothing, as in PostgreSQL.
    for (const a of c.actions ?? []) if (c.fence !== undefined && this.leases.get(a.id)?.owner !== c.fence) throw new LeaseLost(a.id);
    for (const a of c.actions ?? []) this.actions.set(a.id, clone(a));
    for (const e of c.actionEvents ?? []) if (!this.events.has(e.id)) this.events.set(e.id, clone(e));
    this.mem.insertOutbox(c.outbox);
  }
  async actionEvents(q: { action_id?: string; incident_id?: string }): Promise<ActionEvent[]> {
    return [...this.events.values()]
      .filter((e) => (!q.action_id || e.action_id === q.action_id) && (!q.incident_id || e.incident_id === q.incident_id))
      .sort((a, b) => a.timestamp - b.timestamp)
      .map(clone);
  }
}
