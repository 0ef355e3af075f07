import pg from 'pg';
import { currentScope, inScope, lockIds, type Scope } from './exclusive.js';
import type { OutboxRecord, OutboxTable } from './outbox.js';

/** Serialises schema creation: two services (or processes) starting at once on a fresh schema. */
const MIGRATION_LOCK = 'vigil:migrate';

/**
 * One PostgreSQL database and schema, shared by the stores of the services in a process: the
 * pool, exclusive sections (a transaction holding advisory locks on their keys), plain
 * transactions, and the transactional outbox table. The tables themselves are the stores'.
 */
export class PgDatabase implements OutboxTable {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;

  constructor(
    connectionString: string,
    readonly schema: string,
  ) {
    // Connects fail fast when the server is away (the consumer then holds its batch and retries).
    this.pool = new pg.Pool({ connectionString, max: 8, connectionTimeoutMillis: 5000 });
    // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  /** A table of the schema, quoted for SQL. */
  t(name: string): string {
    return `"${this.schema}".${name}`;
  }

  /** The section's transaction when the call runs inside `exclusive`, else the pool. */
  db(): pg.Pool | pg.PoolClient {
    return (currentScope(this)?.client as pg.PoolClient | undefined) ?? this.pool;
  }

  /**
   * Runs `fn` alone among every section that names one of `keys`, in every process on this
   * schema: one transaction holding an advisory lock per key (taken in one global order). Queries
   * made inside through `db()` or `tx()` join it. Nested calls join the outer one.
   */
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
  async tx(fn: (c: pg.PoolClient) => Promise<void>): Promise<void> {
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

  /** Idempotent DDL (`$schema` stands for the quoted schema), one migration at a time across processes. */
  async migrate(ddl: string): Promise<void> {
    const s = `"${this.schema}"`;
    await this.exclusive([MIGRATION_LOCK], async () => {
      await this.db().query(`
        CREATE SCHEMA IF NOT EXISTS ${s};
        CREATE TABLE IF NOT EXISTS ${s}.outbox (
          seq bigserial PRIMARY KEY, id text NOT NULL UNIQUE, topic text NOT NULL, key text NOT NULL, value jsonb NOT NULL, headers jsonb NOT NULL);
        ${ddl.replaceAll('$schema', s)}
      `);
    });
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

  /** Outbox records, written in the transaction of the change they announce (once per id). */
  async insertOutbox(client: pg.PoolClient, records: readonly OutboxRecord[]): Promise<void> {
    for (const r of records) {
      await client.query(`INSERT INTO ${this.t('outbox')} (id, topic, key, value, headers) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (id) DO NOTHING`, [r.id, r.topic, r.key, r.value, r.headers]);
    }
  }
  async pendingOutbox(limit: number): Promise<OutboxRecord[]> {
    // Outbox reads and deletes never join a section: a flush runs after the change it announces committed.
    const r = await this.pool.query(`SELECT id, topic, key, value, headers FROM ${this.t('outbox')} ORDER BY seq LIMIT $1`, [limit]);
    return r.rows as OutboxRecord[];
  }
  async deleteOutbox(ids: string[]): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.t('outbox')} WHERE id = ANY($1)`, [ids]);
  }

  /** The `doc` column of each row. */
  async many<T>(sql: string, args: unknown[]): Promise<T[]> {
    const r = await this.db().query(sql, args);
    return r.rows.map((row: { doc: T }) => row.doc);
  }
  async one<T>(sql: string, args: unknown[]): Promise<T | undefined> {
    return (await this.many<T>(sql, args))[0];
  }
}
