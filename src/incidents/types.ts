// The incidents service's records are the incidents database's (src/lib/incident-records), which
// remediation reads as well.
export type * from '../lib/incident-records/index.js';
