import { afterAll } from 'vitest';
import { PgIncidentStore } from '../src/incidents/store/pg-store.js';
import { DATABASE_URL, freshSchema } from './incidents-harness.js';
import { guardrailClockCases } from './support/guardrail-clock-cases.js';

// The time-bound guardrails on PostgreSQL (the store the service runs on): the same cases as
// src/incidents/remediation/guardrail-clock.spec.ts, each on a fresh schema, dropped after.
const opened: Array<{ store: PgIncidentStore; drop: () => Promise<void> }> = [];
afterAll(async () => {
  for (const o of opened) {
    await o.store.close();
    await o.drop();
  }
});

guardrailClockCases('PostgreSQL', async () => {
  const { schema, drop } = await freshSchema();
  const store = new PgIncidentStore(DATABASE_URL, schema);
  await store.init();
  opened.push({ store, drop });
  return store;
});
