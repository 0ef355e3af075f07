import { Counter, Gauge } from 'prom-client';
import { registry } from '../platform/metrics/registry.js';

/** The incidents service's metrics (README has the table); names the dashboards rely on. */
export const incidentMetrics = {
  open: new Gauge({
    name: 'vigil_incidents_open',
    help: 'Incidents open or acknowledged (not resolved), by severity.',
    labelNames: ['severity'] as const,
    registers: [registry],
  }),
  findings: new Counter({
    name: 'vigil_incident_findings_total',
    help: 'Findings received, by what became of them: grouped, duplicate, silenced, inhibited, ignored.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  events: new Counter({
    name: 'vigil_incident_events_total',
    help: 'Incident lifecycle events written to aiops.incidents.',
    labelNames: ['event'] as const,
    registers: [registry],
  }),
};
