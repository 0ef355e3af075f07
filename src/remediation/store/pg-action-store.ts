import { PgRecordStore } from '../../lib/incident-records/index.js';
import type { ActionEvent, ActionRow, ActionStatus, Incident, Silence } from '../types.js';
import { LeaseLost, type ActionQuery, type ActionStore, type Commit, type Lease } from './store.js';

/** Unfinished actions: a process works on them under a lease. */
const LEASED = ['planned', 'approved', 'executing'];

/**
 * Remediation's queries on PostgreSQL: actions, their leases and decisions (its tables), and the
 * incidents, silences and findings it reads. Guardrail checks and claims run in `exclusive`
 * sections of the shared database (README "Several processes").
 */
export class PgActionStore extends PgRecordStore implements ActionStore {

  async countFindingsBetween(entity: string, since: number, until: number): Promise<number> {
    const r = await this.pg.db().query(
      `SELECT count(*) AS n FROM ${this.t('findings')} WHERE entity = $1 AND received_at > $2 AND received_at <= $3 AND suppressed_by IS NULL`,
      [entity, since, until],
    );
    return Number((r.rows[0] as { n: string }).n);
  }

  async insertAction(a: ActionRow, lease?: Lease): Promise<boolean> {
    const r = await this.pg.db().query(
      `INSERT INTO ${this.t('actions')} (id, incident_id, rule, action, entity, environment, target, status, created_at, started_at, doc, lease_owner, lease_until)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT (id) DO NOTHING`,
      [a.id, a.incident_id, a.rule, a.action, a.entity, a.environment, a.target, a.status, a.created_at, a.started_at, a, lease?.owner ?? null, lease?.until ?? null],
    );
    return r.rowCount === 1;
  }
  async takeLease(id: string, lease: Lease, now: number, force = false): Promise<boolean> {
    const r = await this.pg.db().query(
      `UPDATE ${this.t('actions')} SET lease_owner = $2, lease_until = $3 WHERE id = $1
       AND ($5 OR lease_owner IS NULL OR lease_owner = $2 OR lease_until IS NULL OR lease_until <= $4)`,
      [id, lease.owner, lease.until, now, force],
    );
    return r.rowCount === 1;
  }
  async renewLeases(owner: string, until: number): Promise<number> {
    const r = await this.pg.db().query(`UPDATE ${this.t('actions')} SET lease_until = $2 WHERE lease_owner = $1 AND status = ANY($3)`, [owner, until, LEASED]);
    return r.rowCount ?? 0;
  }
  async orphanedActions(now: number, limit: number): Promise<ActionRow[]> {
    return this.pg.many<ActionRow>(
      `SELECT doc FROM ${this.t('actions')} WHERE status = ANY($1) AND (lease_until IS NULL OR lease_until <= $2) ORDER BY created_at LIMIT $3`,
      [LEASED, now, limit],
    );
  }
  async countExecuting(rule: string, now: number): Promise<number> {
    const r = await this.pg.db().query(`SELECT count(*) AS n FROM ${this.t('actions')} WHERE rule = $1 AND status = 'executing' AND lease_until > $2`, [rule, now]);
    return Number((r.rows[0] as { n: string }).n);
  }
  async getAction(id: string): Promise<ActionRow | undefined> {
    return this.pg.one<ActionRow>(`SELECT doc FROM ${this.t('actions')} WHERE id = $1`, [id]);
  }
  async listActions(q: ActionQuery): Promise<ActionRow[]> {
    const where = ['true'];
    const args: unknown[] = [];
    if (q.status) where.push(`status = $${args.push(q.status)}`);
    if (q.incident_id) where.push(`incident_id = $${args.push(q.incident_id)}`);
    return this.pg.many<ActionRow>(`SELECT doc FROM ${this.t('actions')} WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id LIMIT $${args.push(q.limit ?? 100)}`, args);
  }
  async actionsIn(statuses: ActionStatus[]): Promise<ActionRow[]> {
    return this.pg.many<ActionRow>(`SELECT doc FROM ${this.t('actions')} WHERE status = ANY($1) ORDER BY created_at`, [statuses]);
  }
  async countStartedToTarget(target: string, since: number): Promise<number> {
    const r = await this.pg.db().query(`SELECT count(*) AS n FROM ${this.t('actions')} WHERE target = $1 AND started_at >= $2`, [target, since]);
    return Number((r.rows[0] as { n: string }).n);
  }
  async lastStart(rule: string, action: string, entity: string): Promise<number | undefined> {
    const r = await this.pg.db().query(`SELECT max(started_at) AS t FROM ${this.t('actions')} WHERE rule = $1 AND action = $2 AND entity = $3`, [rule, action, entity]);
    const t = (r.rows[0] as { t: string | null }).t;
    return t === null ? undefined : Number(t);
  }
  async entitiesActedOn(environment: string, since: number): Promise<string[]> {
    const r = await this.pg.db().query(`SELECT DISTINCT entity FROM ${this.t('actions')} WHERE environment = $1 AND started_at >= $2`, [environment, since]);
    return r.rows.map((row: { entity: string }) => row.entity);
  }

  async commit(c: Commit): Promise<void> {
    await this.pg.tx(async (client) => {
      for (const a of c.actions ?? []) {
        const fenced = c.fence !== undefined;
        const u = await client.query(
          `UPDATE ${this.t('actions')} SET status = $2, started_at = $3, doc = $4 WHERE id = $1${fenced ? ' AND lease_owner = $5' : ''}`,
          fenced ? [a.id, a.status, a.started_at, a, c.fence] : [a.id, a.status, a.started_at, a],
        );
        // Thrown inside the transaction: it rolls back, so a process that lost its lease writes nothing.
        if (fenced && u.rowCount === 0) throw new LeaseLost(a.id);
      }
      for (const e of c.actionEvents ?? []) {
        await client.query(`INSERT INTO ${this.t('action_events')} (id, action_id, incident_id, ts, doc) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (id) DO NOTHING`, [e.id, e.action_id, e.incident_id, e.timestamp, e]);
      }
      await this.pg.insertOutbox(client, c.outbox);
    });
  }
  async actionEvents(q: { action_id?: string; incident_id?: string }): Promise<ActionEvent[]> {
    const where = ['true'];
    const args: unknown[] = [];
    if (q.action_id) where.push(`action_id = $${args.push(q.action_id)}`);
    if (q.incident_id) where.push(`incident_id = $${args.push(q.incident_id)}`);
    return this.pg.many<ActionEvent>(`SELECT doc FROM ${this.t('action_events')} WHERE ${where.join(' AND ')} ORDER BY ts, id`, args);
  }
}
