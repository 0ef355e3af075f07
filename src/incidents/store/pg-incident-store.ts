import type pg from 'pg';
import { PgRecordStore } from '../../lib/incident-records/index.js';
import type { ActionEvent, ActionRow, Finding, Incident, IncidentEvent, Silence } from '../types.js';
import { LIVE, type Commit, type FindingRecord, type IncidentQuery, type IncidentStore } from './store.js';

/**
 * The incidents service's queries on PostgreSQL: incidents, findings and silences (its tables),
 * and an incident's actions and decisions (remediation's, read for the API). Decisions that must
 * hold across processes run in `exclusive` sections of the shared database.
 */
export class PgIncidentStore extends PgRecordStore implements IncidentStore {
  private db(): pg.Pool | pg.PoolClient {
    return this.pg.db();
  }

  async findingEvents(id: string): Promise<IncidentEvent[] | undefined> {
    const r = await this.db().query(`SELECT events FROM ${this.t('findings')} WHERE id = $1`, [id]);
    return r.rowCount ? ((r.rows[0] as { events: IncidentEvent[] }).events ?? []) : undefined;
  }
  async recordFinding(r: FindingRecord): Promise<void> {
    await this.pg.tx(async (client) => {
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
  async liveIncidentByGroup(groupKey: string): Promise<Incident | undefined> {
    return this.pg.one<Incident>(`SELECT doc FROM ${this.t('incidents')} WHERE group_key = $1 AND status = ANY($2) ORDER BY first_seen DESC LIMIT 1`, [groupKey, LIVE]);
  }
  async listIncidents(q: IncidentQuery): Promise<Incident[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.status) where.push(`status = $${args.push(q.status)}`);
    else where.push(`status <> 'pending'`);
    if (q.entity) where.push(`entity = $${args.push(q.entity)}`);
    return this.pg.many<Incident>(`SELECT doc FROM ${this.t('incidents')} WHERE ${where.join(' AND ')} ORDER BY first_seen DESC LIMIT $${args.push(q.limit ?? 100)}`, args);
  }
  async quietIncidents(before: number): Promise<Incident[]> {
    return this.pg.many<Incident>(`SELECT doc FROM ${this.t('incidents')} WHERE status = ANY($1) AND last_received_at < $2`, [LIVE, before]);
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
    return this.pg.one<Silence>(`SELECT doc FROM ${this.t('silences')} WHERE id = $1`, [id]);
  }

  async commit(c: Commit): Promise<void> {
    await this.pg.tx(async (client) => {
      for (const i of c.incidents ?? []) await this.upsertIncident(client, i);
      await this.pg.insertOutbox(client, c.outbox);
    });
  }

  async actionsOf(incidentId: string): Promise<ActionRow[]> {
    return this.pg.many<ActionRow>(`SELECT doc FROM ${this.t('actions')} WHERE incident_id = $1 ORDER BY created_at DESC, id LIMIT 100`, [incidentId]);
  }
  async decisionsOf(incidentId: string): Promise<ActionEvent[]> {
    return this.pg.many<ActionEvent>(`SELECT doc FROM ${this.t('action_events')} WHERE incident_id = $1 ORDER BY ts, id`, [incidentId]);
  }
}
