import pg from 'pg';
import type { ActionEvent, ActionRow, ActionStatus, Finding, Incident, IncidentEvent, Silence } from '../types.js';
import { currentScope, inScope, lockIds, type Scope } from './exclusive.js';
import { LeaseLost, LIVE, type Commit, type FindingRecord, type IncidentQuery, type IncidentStore, type Lease, type OutboxRecord } from './store.js';

/** Unfinished actions: a process works on them under a lease. */
const LEASED = ['planned', 'approved', 'executing'];

/**
 * PostgreSQL store. Each table keeps the columns queries filter on plus the whole record as
 * jsonb (`doc`), so the record's shape can grow without migrations. Tables are created at start
 * with idempotent DDL in `schema`. Decisions that must hold across processes run in `exclusive`
 * sections: a transaction holding advisory locks on their keys (README "Several processes").
 */
export class PgIncidentStore implements IncidentStore {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;

  constructor(
    connectionString: string,
    private readonly schema: string,
  ) {
    // Connects fail fast when the server is away (the consumer then holds its batch and retries).
    this.pool = new pg.Pool({ connectionString, max: 8, connectionTimeoutMillis: 5000 });
    // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  private t(name: string): string {
    return `"${this.schema}".${name}`;
  }

  /** The section's transaction when the call runs inside `exclusive`, else the pool. */
  private db(): pg.Pool | pg.PoolClient {
    return (currentScope(this)?.client as pg.PoolClient | undefined) ?? this.pool;
  }

  async exclusive<T>(keys: string[], fn: () => Promise<T>): Promise<T> {
    const outer = currentScope(this);
    if (outer) {
      // Joins the outer transaction; locks it lacks are taken now (callers nest only with keys the outer holds).
      const more = keys.filter((k) => !outer.keys.has(k));
      if (more.length > 0) await this.lock(outer.client as pg.PoolClient, more);
      for (const k of more) outer.keys.add(k);
      return fn();
    }
    const client = await this.pool.connect();
    const scope: Scope = { owner: this, client, keys: new Set(keys), open: true };
    try {
      await client.query('BEGIN');
      await this.lock(client, keys);
      const out = await inScope(scope, fn);
      await client.query('COMMIT');
      return out;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      scope.open = false;
      client.release();
    }
  }

  /** One round trip: the ids are our own integers, in ascending order (see lockIds). */
  private async lock(client: pg.PoolClient, keys: string[]): Promise<void> {
    const ids = lockIds(keys);
    if (ids.length > 0) await client.query(ids.map((id) => `SELECT pg_advisory_xact_lock(${id.toString()});`).join(' '));
  }

  /** `fn` in a transaction: the section's when inside one, else its own. */
  private async tx(fn: (c: pg.PoolClient) => Promise<void>): Promise<void> {
    const scope = currentScope(this);
    if (scope) return fn(scope.client as pg.PoolClient);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await fn(client);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async init(): Promise<void> {
    const s = `"${this.schema}"`;
    await this.pool.query(`
      CREATE SCHEMA IF NOT EXISTS ${s};
      CREATE TABLE IF NOT EXISTS ${s}.incidents (
        id text PRIMARY KEY, group_key text NOT NULL, entity text NOT NULL, status text NOT NULL,
        first_seen bigint NOT NULL, last_received_at bigint NOT NULL, doc jsonb NOT NULL);
      CREATE INDEX IF NOT EXISTS incidents_group ON ${s}.incidents (group_key) WHERE status IN ('pending', 'open', 'acknowledged');
      CREATE INDEX IF NOT EXISTS incidents_entity ON ${s}.incidents (entity, status);
      CREATE TABLE IF NOT EXISTS ${s}.findings (
        id text PRIMARY KEY, incident_id text, entity text NOT NULL, suppressed_by text,
        received_at bigint NOT NULL, doc jsonb NOT NULL, events jsonb NOT NULL DEFAULT '[]');
      ALTER TABLE ${s}.findings ADD COLUMN IF NOT EXISTS events jsonb NOT NULL DEFAULT '[]';
      CREATE INDEX IF NOT EXISTS findings_incident ON ${s}.findings (incident_id);
      CREATE INDEX IF NOT EXISTS findings_entity ON ${s}.findings (entity, received_at);
      CREATE TABLE IF NOT EXISTS ${s}.silences (id text PRIMARY KEY, ends_at bigint NOT NULL, doc jsonb NOT NULL);
      CREATE TABLE IF NOT EXISTS ${s}.actions (
        id text PRIMARY KEY, incident_id text NOT NULL, rule text NOT NULL, action text NOT NULL,
        entity text NOT NULL, environment text NOT NULL, target text NOT NULL, status text NOT NULL,
        created_at bigint NOT NULL, started_at bigint, doc jsonb NOT NULL);
      ALTER TABLE ${s}.actions ADD COLUMN IF NOT EXISTS lease_owner text;
      ALTER TABLE ${s}.actions ADD COLUMN IF NOT EXISTS lease_until bigint;
      CREATE INDEX IF NOT EXISTS actions_status ON ${s}.actions (status);
      CREATE INDEX IF NOT EXISTS actions_executing ON ${s}.actions (rule) WHERE status = 'executing';
      CREATE INDEX IF NOT EXISTS actions_environment ON ${s}.actions (environment, started_at);
      CREATE INDEX IF NOT EXISTS actions_target ON ${s}.actions (target, started_at);
      CREATE INDEX IF NOT EXISTS actions_incident ON ${s}.actions (incident_id);
      CREATE TABLE IF NOT EXISTS ${s}.action_events (
        id text PRIMARY KEY, action_id text NOT NULL, incident_id text NOT NULL, ts bigint NOT NULL, doc jsonb NOT NULL);
      CREATE INDEX IF NOT EXISTS action_events_action ON ${s}.action_events (action_id);
      CREATE TABLE IF NOT EXISTS ${s}.outbox (
        seq bigserial PRIMARY KEY, id text NOT NULL UNIQUE, topic text NOT NULL, key text NOT NULL, value jsonb NOT NULL, headers jsonb NOT NULL);
    `);
  }

  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async findingEvents(id: string): Promise<IncidentEvent[] | undefined> {
    const r = await this.db().query(`SELECT events FROM ${this.t('findings')} WHERE id = $1`, [id]);
    return r.rowCount ? ((r.rows[0] as { events: IncidentEvent[] }).events ?? []) : undefined;
  }
  async recordFinding(r: FindingRecord): Promise<void> {
    await this.tx(async (client) => {
      const ins = await client.query(
        `INSERT INTO ${this.t('findings')} (id, incident_id, entity, suppressed_by, received_at, doc, events) VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (id) DO NOTHING`,
        [r.finding.id, r.incidentId, r.finding.entity, r.suppressedBy, r.receivedAt, r.finding, JSON.stringify(r.events)],
      );
      if (ins.rowCount === 1) for (const i of r.incidents) await this.upsertIncident(client, i);
    });
  }
  async findingsOf(incidentId: string): Promise<Array<Finding & { received_at: number }>> {
    const r = await this.db().query(`SELECT doc, received_at FROM ${this.t('findings')} WHERE incident_id = $1 ORDER BY received_at, id`, [incidentId]);
    return r.rows.map((row: { doc: Finding; received_at: string }) => ({ ...row.doc, received_at: Number(row.received_at) }));
  }
  async countFindingsBetween(entity: string, since: number, until: number): Promise<number> {
    const r = await this.db().query(
      `SELECT count(*) AS n FROM ${this.t('findings')} WHERE entity = $1 AND received_at > $2 AND received_at <= $3 AND suppressed_by IS NULL`,
      [entity, since, until],
    );
    return Number((r.rows[0] as { n: string }).n);
  }

  async saveIncident(i: Incident): Promise<void> {
    await this.upsertIncident(this.db(), i);
  }
  private async upsertIncident(db: pg.Pool | pg.PoolClient, i: Incident): Promise<void> {
    await db.query(
      `INSERT INTO ${this.t('incidents')} (id, group_key, entity, status, first_seen, last_received_at, doc) VALUES ($1,$2,$3,$4,$5,$6,$7)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, last_received_at = EXCLUDED.last_received_at, doc = EXCLUDED.doc`,
      [i.id, i.group_key, i.entity, i.status, i.first_seen, i.last_received_at, i],
    );
  }
  async getIncident(id: string): Promise<Incident | undefined> {
    return this.one<Incident>(`SELECT doc FROM ${this.t('incidents')} WHERE id = $1`, [id]);
  }
  async liveIncidentByGroup(groupKey: string): Promise<Incident | undefined> {
    return this.one<Incident>(`SELECT doc FROM ${this.t('incidents')} WHERE group_key = $1 AND status = ANY($2) ORDER BY first_seen DESC LIMIT 1`, [groupKey, LIVE]);
  }
  async listIncidents(q: IncidentQuery): Promise<Incident[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.status) where.push(`status = $${args.push(q.status)}`);
    else where.push(`status <> 'pending'`);
    if (q.entity) where.push(`entity = $${args.push(q.entity)}`);
    return this.many<Incident>(`SELECT doc FROM ${this.t('incidents')} WHERE ${where.join(' AND ')} ORDER BY first_seen DESC LIMIT $${args.push(q.limit ?? 100)}`, args);
  }
  async quietIncidents(before: number): Promise<Incident[]> {
    return this.many<Incident>(`SELECT doc FROM ${this.t('incidents')} WHERE status = ANY($1) AND last_received_at < $2`, [LIVE, before]);
  }
  async countLive(): Promise<Record<string, number>> {
    const r = await this.db().query(`SELECT doc->>'severity' AS severity, count(*) AS n FROM ${this.t('incidents')} WHERE status IN ('open', 'acknowledged') GROUP BY 1`);
    return Object.fromEntries(r.rows.map((row: { severity: string; n: string }) => [row.severity, Number(row.n)]));
  }
  async hasLiveKind(entity: string, kind: string): Promise<boolean> {
    const r = await this.db().query(
      `SELECT 1 FROM ${this.t('incidents')} WHERE entity = $1 AND status IN ('open', 'acknowledged') AND doc->'kinds' ? $2 LIMIT 1`,
      [entity, kind],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async saveSilence(s: Silence): Promise<void> {
    await this.db().query(
      `INSERT INTO ${this.t('silences')} (id, ends_at, doc) VALUES ($1,$2,$3) ON CONFLICT (id) DO UPDATE SET ends_at = EXCLUDED.ends_at, doc = EXCLUDED.doc`,
      [s.id, s.ends_at, s],
    );
  }
  async getSilence(id: string): Promise<Silence | undefined> {
    return this.one<Silence>(`SELECT doc FROM ${this.t('silences')} WHERE id = $1`, [id]);
  }
  async listSilences(now: number): Promise<Silence[]> {
    return this.many<Silence>(`SELECT doc FROM ${this.t('silences')} WHERE ends_at > $1 ORDER BY ends_at`, [now]);
  }

  async insertAction(a: ActionRow, lease?: Lease): Promise<boolean> {
    const r = await this.db().query(
      `INSERT INTO ${this.t('actions')} (id, incident_id, rule, action, entity, environment, target, status, created_at, started_at, doc, lease_owner, lease_until)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT (id) DO NOTHING`,
      [a.id, a.incident_id, a.rule, a.action, a.entity, a.environment, a.target, a.status, a.created_at, a.started_at, a, lease?.owner ?? null, lease?.until ?? null],
    );
    return r.rowCount === 1;
  }
  async takeLease(id: string, lease: Lease, now: number, force = false): Promise<boolean> {
    const r = await this.db().query(
      `UPDATE ${this.t('actions')} SET lease_owner = $2, lease_until = $3 WHERE id = $1
       AND ($5 OR lease_owner IS NULL OR lease_owner = $2 OR lease_until IS NULL OR lease_until <= $4)`,
      [id, lease.owner, lease.until, now, force],
    );
    return r.rowCount === 1;
  }
  async renewLeases(owner: string, until: number): Promise<number> {
    const r = await this.db().query(`UPDATE ${this.t('actions')} SET lease_until = $2 WHERE lease_owner = $1 AND status = ANY($3)`, [owner, until, LEASED]);
    return r.rowCount ?? 0;
  }
  async orphanedActions(now: number, limit: number): Promise<ActionRow[]> {
    return this.many<ActionRow>(
      `SELECT doc FROM ${this.t('actions')} WHERE status = ANY($1) AND (lease_until IS NULL OR lease_until <= $2) ORDER BY created_at LIMIT $3`,
      [LEASED, now, limit],
    );
  }
  async countExecuting(rule: string, now: number): Promise<number> {
    const r = await this.db().query(`SELECT count(*) AS n FROM ${this.t('actions')} WHERE rule = $1 AND status = 'executing' AND lease_until > $2`, [rule, now]);
    return Number((r.rows[0] as { n: string }).n);
  }
  async saveAction(a: ActionRow): Promise<void> {
    await this.db().query(`UPDATE ${this.t('actions')} SET status = $2, started_at = $3, doc = $4 WHERE id = $1`, [a.id, a.status, a.started_at, a]);
  }
  async getAction(id: string): Promise<ActionRow | undefined> {
    return this.one<ActionRow>(`SELECT doc FROM ${this.t('actions')} WHERE id = $1`, [id]);
  }
  async listActions(q: { status?: ActionStatus; incident_id?: string; limit?: number }): Promise<ActionRow[]> {
    const where = ['true'];
    const args: unknown[] = [];
    if (q.status) where.push(`status = $${args.push(q.status)}`);
    if (q.incident_id) where.push(`incident_id = $${args.push(q.incident_id)}`);
    return this.many<ActionRow>(`SELECT doc FROM ${this.t('actions')} WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id LIMIT $${args.push(q.limit ?? 100)}`, args);
  }
  async actionsIn(statuses: ActionStatus[]): Promise<ActionRow[]> {
    return this.many<ActionRow>(`SELECT doc FROM ${this.t('actions')} WHERE status = ANY($1) ORDER BY created_at`, [statuses]);
  }
  async countStartedToTarget(target: string, since: number): Promise<number> {
    const r = await this.db().query(`SELECT count(*) AS n FROM ${this.t('actions')} WHERE target = $1 AND started_at >= $2`, [target, since]);
    return Number((r.rows[0] as { n: string }).n);
  }
  async lastStart(rule: string, action: string, entity: string): Promise<number | undefined> {
    const r = await this.db().query(`SELECT max(started_at) AS t FROM ${this.t('actions')} WHERE rule = $1 AND action = $2 AND entity = $3`, [rule, action, entity]);
    const t = (r.rows[0] as { t: string | null }).t;
    return t === null ? undefined : Number(t);
  }
  async entitiesActedOn(environment: string, since: number): Promise<string[]> {
    const r = await this.db().query(`SELECT DISTINCT entity FROM ${this.t('actions')} WHERE environment = $1 AND started_at >= $2`, [environment, since]);
    return r.rows.map((row: { entity: string }) => row.entity);
  }

  async commit(c: Commit): Promise<void> {
    await this.tx(async (client) => {
      for (const i of c.incidents ?? []) await this.upsertIncident(client, i);
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
      for (const r of c.outbox) {
        await client.query(`INSERT INTO ${this.t('outbox')} (id, topic, key, value, headers) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (id) DO NOTHING`, [r.id, r.topic, r.key, r.value, r.headers]);
      }
    });
  }
  async pendingOutbox(limit: number): Promise<OutboxRecord[]> {
    // Outbox reads and deletes never join a section: a flush runs after the change it announces committed.
    const r = await this.pool.query(`SELECT id, topic, key, value, headers FROM ${this.t('outbox')} ORDER BY seq LIMIT $1`, [limit]);
    return r.rows as OutboxRecord[];
  }
  async deleteOutbox(ids: string[]): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.t('outbox')} WHERE id = ANY($1)`, [ids]);
  }

  async insertActionEvent(e: ActionEvent): Promise<void> {
    await this.db().query(
      `INSERT INTO ${this.t('action_events')} (id, action_id, incident_id, ts, doc) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (id) DO NOTHING`,
      [e.id, e.action_id, e.incident_id, e.timestamp, e],
    );
  }
  async actionEvents(q: { action_id?: string; incident_id?: string }): Promise<ActionEvent[]> {
    const where = ['true'];
    const args: unknown[] = [];
    if (q.action_id) where.push(`action_id = $${args.push(q.action_id)}`);
    if (q.incident_id) where.push(`incident_id = $${args.push(q.incident_id)}`);
    return this.many<ActionEvent>(`SELECT doc FROM ${this.t('action_events')} WHERE ${where.join(' AND ')} ORDER BY ts, id`, args);
  }

  private async one<T>(sql: string, args: unknown[]): Promise<T | undefined> {
    return (await this.many<T>(sql, args))[0];
  }
  private async many<T>(sql: string, args: unknown[]): Promise<T[]> {
    const r = await this.db().query(sql, args);
    return r.rows.map((row: { doc: T }) => row.doc);
  }
}
