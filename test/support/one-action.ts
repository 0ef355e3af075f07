import type { Bus, OutRecord } from '../../src/platform/bus/types.js';
import { MemoryDatabase } from '../../src/platform/db/memory-database.js';
import { Outbox } from '../../src/platform/db/outbox.js';
import type { PgDatabase } from '../../src/platform/db/pg-database.js';
import { ephemeralSecret } from '../../src/platform/webhooks/signing.js';
import { findingFingerprint } from '../../src/incidents/findings.js';
import { IncidentsService } from '../../src/incidents/incidents.service.js';
import { loadIncidentsOptions } from '../../src/incidents/options.js';
import { MemoryIncidentStore } from '../../src/incidents/store/memory-incident-store.js';
import { PgIncidentStore } from '../../src/incidents/store/pg-incident-store.js';
import type { IncidentStore } from '../../src/incidents/store/store.js';
import type { IncidentEvent } from '../../src/incidents/types.js';
import type { RemediationRule, WebhookAction } from '../../src/lib/remediation-rules/index.js';
import { loadRemediationOptions } from '../../src/remediation/options.js';
import { RemediationService } from '../../src/remediation/remediation.service.js';
import { MemoryActionStore } from '../../src/remediation/store/memory-action-store.js';
import { PgActionStore } from '../../src/remediation/store/pg-action-store.js';
import type { ActionStore } from '../../src/remediation/store/store.js';

/** Both services' stores on one database, as a process that runs both has them. */
export interface Stores {
  db: MemoryDatabase | PgDatabase;
  incidents: IncidentStore;
  actions: ActionStore;
}

/** Both stores on `db` (a fresh memory database by default), initialised. */
export async function storesOn(db: MemoryDatabase | PgDatabase = new MemoryDatabase()): Promise<Stores> {
  const stores = db.kind === 'postgres' ? { db, incidents: new PgIncidentStore(db), actions: new PgActionStore(db) } : { db, incidents: new MemoryIncidentStore(db), actions: new MemoryActionStore(db) };
  await stores.incidents.init();
  await stores.actions.init();
  return stores;
}

/**
 * For specs: both services on one database (memory unless `stores` says otherwise), a bus that
 * keeps what is appended, one rule with one webhook `action` (at most `maxAttempts` attempts,
 * millisecond backoff), and one incident opened on it and handed to remediation. What was sent,
 * stored and logged is there to inspect. `now` is the clock of both services (a spec about time
 * moves it by hand). `store` is remediation's.
 */
export async function startOneAction(action: Partial<WebhookAction> & { url: string }, maxAttempts: number, now: () => number = Date.now, stores?: Stores) {
  const { db, incidents: incidentStore, actions: store } = stores ?? (await storesOn());
  const sent: OutRecord[] = [];
  const bus = { send: async (records: OutRecord[]) => void sent.push(...records) } as unknown as Bus;
  const env = {
    INCIDENTS_MIN_OCCURRENCES: '1',
    WEBHOOK_MAX_ATTEMPTS: String(maxAttempts),
    WEBHOOK_BACKOFF_MS: '1',
    WEBHOOK_BACKOFF_MAX_MS: '5',
    WEBHOOK_TIMEOUT_MS: '2000',
    VIGIL_EXTERNAL_URL: 'http://vigil',
  };
  const serviceOf = (topic: string) => (topic.startsWith('aiops.remediations') ? 'remediation' : 'incidents');
  const incidentsOutbox = new Outbox(db, bus, undefined, () => undefined, serviceOf);
  const outbox = new Outbox(db, bus, undefined, () => undefined, serviceOf);
  const incidents = new IncidentsService(incidentStore, loadIncidentsOptions(env), now, (t, k, id, v) => incidentsOutbox.record(t, k, id, v));
  const rule: RemediationRule = {
    name: 'r1',
    file: 'x.yaml',
    line: 1,
    match: {},
    actions: [{ name: 'poke', format: 'vigil', headers: {}, secrets: [ephemeralSecret()], ephemeralSecret: false, guardrails: {}, ...action }],
  };
  const logs: string[] = [];
  const remediation = new RemediationService({ store, rules: [rule], options: loadRemediationOptions(env), outbox, logger: { log: (m) => logs.push(m), warn: (m) => logs.push(m) }, now });
  const [opened] = await incidents.onFindings([
    { id: 'f1', entity: 'web-1', timestamp: now(), kind: 'metric_anomaly', source: 'anomalies', score: 0.7, labels: {}, fingerprint: findingFingerprint('web-1', 'metric_anomaly', 'm'), title: 't' },
  ]);
  const started = await remediation.onIncidentEvent(opened!);
  return { sent, store, incidentStore, incidents, remediation, logs, opened: opened!, started };
}

/** One incident opened on each of `entities` hosts (`web-0`, `web-1`, …, environment prod) by the incidents service: its aiops.incidents events. */
export async function openIncidents(store: IncidentStore, entities: number, clock: () => number = Date.now): Promise<IncidentEvent[]> {
  const incidents = new IncidentsService(store, loadIncidentsOptions({}), clock);
  const opened: IncidentEvent[] = [];
  for (let i = 0; i < entities; i++) {
    const entity = `web-${i}`;
    const f = { id: `f${i}`, entity, timestamp: clock(), kind: 'metric_anomaly', source: 'anomalies' as const, score: 0.7, labels: { environment: 'prod' }, fingerprint: findingFingerprint(entity, 'metric_anomaly', 'm'), title: 't' };
    opened.push(...(await incidents.onFindings([f])));
  }
  return opened;
}
