import { currentScope, inScope, type Scope } from './exclusive.js';
import type { OutboxRecord, OutboxTable } from './outbox.js';
import { SerialQueue } from '../serial-queue.js';

/**
 * The database when none is configured (the embedded default): named tables of rows by id, kept
 * in this process and lost at exit. The services of one process share one, as they would share a
 * PostgreSQL schema; one process by construction, so `exclusive` is one in-process lock (whatever the keys).
 */
export class MemoryDatabase implements OutboxTable {
  readonly kind = 'memory' as const;
  private readonly lock = new SerialQueue();
  private readonly tables = new Map<string, Map<string, unknown>>();
  private outbox: OutboxRecord[] = [];

  /** The table `name` (created empty on first use). Rows are the store's to clone. */
  table<T>(name: string): Map<string, T> {
    let t = this.tables.get(name);
    if (!t) this.tables.set(name, (t = new Map()));
    return t as Map<string, T>;
  }

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

  insertOutbox(records: readonly OutboxRecord[]): void {
    for (const r of records) if (!this.outbox.some((x) => x.id === r.id)) this.outbox.push(structuredClone(r));
  }
  async pendingOutbox(limit: number): Promise<OutboxRecord[]> {
    return this.outbox.slice(0, limit).map((r) => structuredClone(r));
  }
  async deleteOutbox(ids: string[]): Promise<void> {
    const gone = new Set(ids);
    this.outbox = this.outbox.filter((r) => !gone.has(r.id));
  }
}
