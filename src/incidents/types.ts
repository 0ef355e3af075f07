// The incidents service's records are the incidents database's (src/lib/incident-records), which
// remediation reads as well.
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
} from '../lib/incident-records/index.js';
