import { afterAll } from 'vitest';
import { PgDatabase } from '../src/platform/db/pg-database.js';
import { DATABASE_URL, freshSchema } from './incidents-harness.js';
import { guardrailClockCases } from './support/guardrail-clock-cases.js';
import { storesOn } from './support/one-action.js';

// The time-bound guardrails on PostgreSQL (the store the service runs on): the same cases as
// src/remediation/guardrail-clock.spec.ts, each on a fresh schema, dropped after.
const opened: Array<{ db: PgDatabase; drop: () => Promise<void> }> = [];
afterAll(async () => {
  for (const o of opened) {
    await o.db.close();
    await o.drop();
  }
});

guardrailClockCases('PostgreSQL', async () => {
  const { schema, drop } = await freshSchema();
  const db = new PgDatabase(DATABASE_URL, schema);
  opened.push({ db, drop });
  return storesOn(db);
});
