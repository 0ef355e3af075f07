// The records of the incidents database that incidents and remediation both read: incidents,
// silences, findings, actions and their decisions, the tables that hold them, and the silence
// matchers. Import it through this file.
export { checkMatcher, globToRegExp, matchesAll } from './matchers.js';
export { INCIDENT_TABLES_DDL, LIVE, MEMORY_TABLES, type Lease, type MemoryFindingRow } from './schema.js';
export { incidentsOutbox } from './outbox.js';
export { clone, MemoryRecordStore, PgRecordStore, type RecordStore } from './record-stores.js';
export type {
  ActionEvent,
  ActionRow,
  ActionStatus,
  Finding,
  Incident,
  IncidentEvent,
  IncidentStatus,
  Matcher,
  Severity,
  Silence,
} from './types.js';
