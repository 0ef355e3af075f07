import { Logger } from '@nestjs/common';
import { context, type Context } from '@opentelemetry/api';
import type { Bus, OutRecord } from '../platform/bus/types.js';
import { injectContext } from '../platform/tracing/propagator.js';
import type { SchemaRegistry } from '../platform/streams/validator.js';
import { IncidentsService } from './incidents.service.js';
import { loadIncidentsOptions, type IncidentsOptions } from './options.js';
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
  /** Appends records after checking them against their topic's schema (what the API and timers write). */
  send(topic: string, records: Array<{ key: string; id: string; value: object }>, trace?: Context): Promise<void>;
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

  const send: IncidentsRuntime['send'] = async (topic, records, trace) => {
    const out: OutRecord[] = records.map((r) => {
      const v = schemas.validate(topic, r.value);
      if (!v.ok) throw new Error(`refusing to write an invalid ${topic} record: ${v.error}`);
      const headers = injectContext(trace ?? context.active(), { 'vigil-id': r.id, 'content-type': 'application/json' });
      return { topic, key: r.key, value: JSON.stringify(r.value), headers };
    });
    if (out.length > 0) await bus.send(out);
  };
  const incidents = new IncidentsService(store, options);
  const externalUrl = env.VIGIL_EXTERNAL_URL?.trim().replace(/\/$/, '') || `http://localhost:${httpPort}`;
  const remediation = new RemediationService(
    store,
    rules,
    options,
    (events, trace) => send(options.topics.remediations, events.map((e) => ({ key: e.incident_id, id: e.id, value: e })), trace),
    new Logger('Remediation'),
    externalUrl,
  );
  return { options, store, incidents, remediation, send };
}
