import { Logger } from '@nestjs/common';
import { incidentsOutbox } from '../lib/incident-records/index.js';
import { loadRemediationRules, type RemediationRule } from '../lib/remediation-rules/index.js';
import type { Bus } from '../platform/bus/types.js';
import type { Databases, DatabaseLease } from '../platform/db/databases.js';
import type { Outbox } from '../platform/db/outbox.js';
import type { SchemaRegistry } from '../platform/streams/validator.js';
import { IncidentsService } from './incidents.service.js';
import { loadIncidentsOptions, type IncidentsOptions } from './options.js';
import { MemoryIncidentStore } from './store/memory-incident-store.js';
import { PgIncidentStore } from './store/pg-incident-store.js';
import type { IncidentStore } from './store/store.js';

/** Injection token of the service's parts (built once, at module init). */
export const INCIDENTS_RUNTIME = Symbol('INCIDENTS_RUNTIME');

export interface IncidentsRuntime {
  options: IncidentsOptions;
  store: IncidentStore;
  incidents: IncidentsService;
  /** What the API and the timer write to Kafka, via their transactions. */
  outbox: Outbox;
  /** The remediation rules, whose actions the recommender ranks on an incident read (only with VIGIL_RECO_URL). */
  rules: RemediationRule[];
  /** The incidents database, shared with remediation when it runs here too. */
  database: DatabaseLease;
}

/** Builds the service: options, the store (PostgreSQL when configured, the process's memory database otherwise) and the service. */
export async function createIncidentsRuntime(deps: { bus: Bus; schemas: SchemaRegistry; databases: Databases; env?: NodeJS.ProcessEnv }): Promise<IncidentsRuntime> {
  const env = deps.env ?? process.env;
  const logger = new Logger('Incidents');
  const options = loadIncidentsOptions(env);
  // Only to name the candidate actions: incidents sends nothing, so a rule's missing secret is not its concern.
  const rules = options.recoUrl ? loadRemediationRules(options.rulesDir, { env, globalDryRun: true }) : [];
  const database = deps.databases.acquire(options.database);
  const store: IncidentStore = database.db.kind === 'postgres' ? new PgIncidentStore(database.db) : new MemoryIncidentStore(database.db);
  await store.init();
  logger.log(
    store.kind === 'postgres'
      ? `incidents stored in PostgreSQL, schema ${options.database.schema}`
      : 'no VIGIL_DATABASE_URL (or PG* env): incidents kept IN MEMORY, lost on exit',
  );
  if (options.apiTokens.length === 0) logger.warn('VIGIL_API_TOKENS is empty: every mutating incidents API call will be refused (401)');

  const outbox = incidentsOutbox(database.db, deps.bus, deps.schemas, (msg) => logger.warn(msg), [options.topics.remediations, options.topics.remediationsDlq]);
  const incidents = new IncidentsService(store, options, Date.now, (topic, key, id, value) => outbox.record(topic, key, id, value));
  return { options, store, incidents, outbox, rules, database };
}
