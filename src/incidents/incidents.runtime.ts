import { Logger } from '@nestjs/common';
import type { Bus } from '../platform/bus/types.js';
import type { SchemaRegistry } from '../platform/streams/validator.js';
import { IncidentsService } from './incidents.service.js';
import { loadIncidentsOptions, type IncidentsOptions } from './options.js';
import { Outbox } from './outbox.js';
import { RemediationService } from './remediation/remediation.service.js';
import { loadRemediationRules } from './rules/load-rules.js';
import { MemoryIncidentStore } from './store/memory-store.js';
import { PgIncidentStore } from './store/pg-store.js';
import type { IncidentStore } from './store/store.js';

/** Injection token of the service's parts (built once, at module init). */
export const INCIDENTS_RUNTIME = Symbol('INCIDENTS_RUNTIME');

export interface IncidentsRuntime {
  options: IncidentsOptions;
  store: IncidentStore;
  incidents: IncidentsService;
  remediation: RemediationService;
  /** What the API, the timers and the remediation write to Kafka, via their transactions. */
  outbox: Outbox;
}

/**
 * Builds the service: options, the store (PostgreSQL when configured, memory otherwise), the rule
 * files (a mistake fails the start here, with file and line), and the two services.
 */
export async function createIncidentsRuntime(bus: Bus, schemas: SchemaRegistry, httpPort: number, env: NodeJS.ProcessEnv = process.env): Promise<IncidentsRuntime> {
  const logger = new Logger('Incidents');
  const options = loadIncidentsOptions(env);
  const rules = loadRemediationRules(options.rulesDir, { env, globalDryRun: options.remediation.dryRun });
  logger.log(
    `${rules.length} remediation rule(s) from ${options.rulesDir}: ${rules.map((r) => `${r.name} (${r.actions.map((a) => `${a.name}${a.guardrails.dry_run || options.remediation.dryRun ? ' dry-run' : ''}${a.guardrails.approval?.required ? ' approval' : ''}`).join(', ')})`).join('; ') || 'none'}`,
  );
  const store: IncidentStore = options.databaseUrl ? new PgIncidentStore(options.databaseUrl, options.databaseSchema) : new MemoryIncidentStore();
  await store.init();
  logger.log(
    store.kind === 'postgres'
      ? `incidents stored in PostgreSQL, schema ${options.databaseSchema}`
      : 'no VIGIL_DATABASE_URL (or PG* env): incidents kept IN MEMORY, lost on exit',
  );
  if (options.apiTokens.length === 0) logger.warn('VIGIL_API_TOKENS is empty: every mutating incidents API call will be refused (401)');

  const remediationTopics = new Set([options.topics.remediations, options.topics.remediationsDlq]);
  const outbox = new Outbox(store, bus, schemas, (msg) => logger.warn(msg), (topic) => (remediationTopics.has(topic) ? 'remediation' : 'incidents'));
  const incidents = new IncidentsService(store, options, Date.now, (topic, key, id, value) => outbox.record(topic, key, id, value));
  const externalUrl = env.VIGIL_EXTERNAL_URL?.trim().replace(/\/$/, '') || `http://localhost:${httpPort}`;
  const remediation = new RemediationService(
    store,
    rules,
    options,
    outbox,
    new Logger('Remediation'),
    externalUrl,
  );
  return { options, store, incidents, remediation, outbox };
}
