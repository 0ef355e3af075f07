import { Injectable } from '@nestjs/common';
import { MemoryDatabase } from './memory-database.js';
import type { DatabaseOptions } from './options.js';
import { PgDatabase } from './pg-database.js';

export type Database = PgDatabase | MemoryDatabase;

/** A service's hold on a shared database: `release` closes it when the last holder lets go. */
export interface DatabaseLease {
  db: Database;
  release(): Promise<void>;
}

/**
 * The databases of this process, one per connection and schema, shared by the services that name
 * the same one: incidents and remediation then share one pool and, with no database configured,
 * one memory database (so remediation sees the incidents it acts on, as it would in PostgreSQL).
 */
@Injectable()
export class Databases {
  private readonly open = new Map<string, { db: Database; holders: number }>();

  acquire(options: DatabaseOptions): DatabaseLease {
    const key = options.url ? `${options.url}\u0000${options.schema}` : 'memory';
    let entry = this.open.get(key);
    if (!entry) {
      entry = { db: options.url ? new PgDatabase(options.url, options.schema) : new MemoryDatabase(), holders: 0 };
      this.open.set(key, entry);
    }
    entry.holders += 1;
    const held = entry;
    let released = false;
    return {
      db: held.db,
      release: async () => {
        if (released) return;
        released = true;
        held.holders -= 1;
        if (held.holders > 0) return;
        this.open.delete(key);
        await held.db.close();
      },
    };
  }
}
