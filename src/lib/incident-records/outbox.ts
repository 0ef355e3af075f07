import type { Bus } from '../../platform/bus/types.js';
import type { Database } from '../../platform/db/databases.js';
import { Outbox } from '../../platform/db/outbox.js';
import type { SchemaRegistry } from '../../platform/streams/validator.js';

/**
 * The outbox of the incidents database. Either service's flush may send the other's records (they
 * share the table), so a record's `service` label comes from its topic, not from who flushed it.
 */
export function incidentsOutbox(db: Database, bus: Bus, schemas: SchemaRegistry, warn: (message: string) => void, remediationTopics: readonly string[]): Outbox {
  const remediation = new Set(remediationTopics);
  return new Outbox(db, bus, schemas, warn, (topic) => (remediation.has(topic) ? 'remediation' : 'incidents'));
}
