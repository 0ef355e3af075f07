import type { MemoryDatabase } from '../../platform/db/memory-database.js';
import type { OutboxRecord, OutboxTable } from '../../platform/db/outbox.js';
import type { PgDatabase } from '../../platform/db/pg-database.js';
import { INCIDENT_TABLES_DDL, MEMORY_TABLES as T, type MemoryFindingRow } from './schema.js';
import type { ActionEvent, ActionRow, Incident, Silence } from './types.js';

/** What the incidents and the remediation stores both offer, whichever database holds them. */
export interface RecordStore extends OutboxTable {
  readonly kind: 'postgres' | 'memory';
  init(): Promise<void>;
  /**
   * Runs `fn` alone among every section that names one of `keys`, in every process on this
   * database (see PgDatabase.exclusive). Store calls made inside join the section, so a check and
   * the write it allows commit together or not at all. Nested calls join the outer one.
   */
  exclusive<T>(keys: string[], fn: () => Promise<T>): Promise<T>;
  /** True when the store answers now. */
  ping(): Promise<boolean>;
}

/** What both databases (PostgreSQL, memory) lend a store: exclusive sections, health, the outbox table. */
interface SharedDatabase extends OutboxTable {
  exclusive<R>(keys: string[], fn: () => Promise<R>): Promise<R>;
  ping(): Promise<boolean>;
}

/** A store's calls that go to its database as they are. */
abstract class OnDatabase {
  constructor(private readonly database: SharedDatabase) {}

  exclusive<R>(keys: string[], fn: () => Promise<R>): Promise<R> {
    return this.database.exclusive(keys, fn);
  }
  ping(): Promise<boolean> {
    return this.database.ping();
  }
  pendingOutbox(limit: number): Promise<OutboxRecord[]> {
    return this.database.pendingOutbox(limit);
  }
  deleteOutbox(ids: string[]): Promise<void> {
    return this.database.deleteOutbox(ids);
  }
}

/**
 * What the incidents and the remediation stores on PostgreSQL share: the tables (migrated at
 * start by whichever service comes first) and the database's sections, health and outbox. Each
 * subclass holds its own service's queries.
 */
export abstract class PgRecordStore extends OnDatabase {
  readonly kind = 'postgres' as const;

  constructor(protected readonly pg: PgDatabase) {
    super(pg);
  }

  protected t(name: string): string {
    return this.pg.t(name);
  }
  async init(): Promise<void> {
    await this.pg.migrate(INCIDENT_TABLES_DDL);
  }
  // Both services read an incident and the silences in force (remediation before it acts).
  async getIncident(id: string): Promise<Incident | undefined> {
    return this.pg.one<Incident>(`SELECT doc FROM ${this.t('incidents')} WHERE id = $1`, [id]);
  }
  async listSilences(now: number): Promise<Silence[]> {
    return this.pg.many<Silence>(`SELECT doc FROM ${this.t('silences')} WHERE ends_at > $1 ORDER BY ends_at`, [now]);
  }
}

/** The same in the memory database (no database configured): the tables both services read, one process. */
export abstract class MemoryRecordStore extends OnDatabase {
  readonly kind = 'memory' as const;
  protected readonly findings: Map<string, MemoryFindingRow>;
  protected readonly incidents: Map<string, Incident>;
  protected readonly silences: Map<string, Silence>;
  protected readonly actions: Map<string, ActionRow>;
  protected readonly events: Map<string, ActionEvent>;

  constructor(protected readonly mem: MemoryDatabase) {
    super(mem);
    this.findings = mem.table(T.findings);
    this.incidents = mem.table(T.incidents);
    this.silences = mem.table(T.silences);
    this.actions = mem.table(T.actions);
    this.events = mem.table(T.actionEvents);
  }

  async init(): Promise<void> {}
  // Both services read an incident and the silences in force (remediation before it acts).
  async getIncident(id: string): Promise<Incident | undefined> {
    const i = this.incidents.get(id);
    return i && clone(i);
  }
  async listSilences(now: number): Promise<Silence[]> {
    return [...this.silences.values()].filter((s) => s.ends_at > now).map(clone);
  }
}

/** A deep copy: the memory database hands out and takes in copies, as a real one would. */
export function clone<T>(x: T): T {
  return structuredClone(x);
}
