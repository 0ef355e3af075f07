import { Logger } from '@nestjs/common';
import { incidentsOutbox } from '../lib/incident-records/index.js';
import { loadRemediationRules } from '../lib/remediation-rules/index.js';
import type { Bus } from '../platform/bus/types.js';
import type { Databases, DatabaseLease } from '../platform/db/databases.js';
import type { Outbox } from '../platform/db/outbox.js';
import type { SchemaRegistry } from '../platform/streams/validator.js';
import { loadRemediationOptions, type RemediationOptions } from './options.js';
import { RemediationService } from './remediation.service.js';
import { MemoryActionStore } from './store/memory-action-store.js';
import { PgActionStore } from './store/pg-action-store.js';
import type { ActionStore } from './store/store.js';

/** Injection token of the service's parts (built once, at module init). */
export const REMEDIATION_RUNTIME = Symbol('REMEDIATION_RUNTIME');

export interface RemediationRuntime {
  options: RemediationOptions;
  store: ActionStore;
  remediation: RemediationService;
  /** What the decisions write to Kafka, via their transactions. */
  outbox: Outbox;
  /** The incidents database, shared with the incidents service when it runs here too. */
  database: DatabaseLease;
}

/**
 * Builds the service: options, the rule files (a mistake fails the start here, with file and
 * line), the store on the incidents database (PostgreSQL when configured, the process's memory
 * database otherwise) and the service.
 */
export async function createRemediationRuntime(deps: { bus: Bus; schemas: SchemaRegistry; databases: Databases; httpPort: number; env?: NodeJS.ProcessEnv }): Promise<RemediationRuntime> {
  const env = deps.env ?? process.env;
  const logger = new Logger('Remediation');
  const options = loadRemediationOptions(env, deps.httpPort);
  const dryRun = options.guardrails.dryRun;
  const rules = loadRemediationRules(options.rulesDir, { env, globalDryRun: dryRun });
  logger.log(
    `${rules.length} remediation rule(s) from ${options.rulesDir}: ${rules.map((r) => `${r.name} (${r.actions.map((a) => `${a.name}${a.guardrails.dry_run || dryRun ? ' dry-run' : ''}${a.guardrails.approval?.required ? ' approval' : ''}`).join(', ')})`).join('; ') || 'none'}`,
  );
  const database = deps.databases.acquire(options.database);
  const store: ActionStore = database.db.kind === 'postgres' ? new PgActionStore(database.db) : new MemoryActionStore(database.db);
  await store.init();
  const outbox = incidentsOutbox(database.db, deps.bus, deps.schemas, (msg) => logger.warn(msg), [options.topics.remediations, options.topics.remediationsDlq]);
  const remediation = new RemediationService({ store, rules, options, outbox, logger: new Logger('Remediation') });
  return { options, store, remediation, outbox, database };
}
