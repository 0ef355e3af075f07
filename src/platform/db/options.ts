import { envString } from '../config/env-values.js';

/** Where services with durable state keep it (README "Configuration"). */
export interface DatabaseOptions {
  /** PostgreSQL connection string; undefined with no PG* env either: the memory database. */
  url: string | undefined;
  /** Schema holding the tables (created at start, idempotent). */
  schema: string;
}

export function loadDatabaseOptions(env: NodeJS.ProcessEnv = process.env): DatabaseOptions {
  const url = envString(env, 'VIGIL_DATABASE_URL', '') || (env.PGHOST || env.PGDATABASE ? 'postgres://' : undefined);
  const schema = envString(env, 'VIGIL_DATABASE_SCHEMA', 'vigil');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`VIGIL_DATABASE_SCHEMA must be a lower-case SQL identifier, not "${schema}"`);
  return { url, schema };
}
