import type { Bus, OutRecord } from '../../platform/bus/types.js';
import { ephemeralSecret } from '../delivery/signing.js';
import { findingFingerprint } from '../findings.js';
import { IncidentsService } from '../incidents.service.js';
import { loadIncidentsOptions } from '../options.js';
import { Outbox } from '../outbox.js';
import { RemediationService } from '../remediation/remediation.service.js';
import type { RemediationRule, WebhookAction } from '../rules/rule-types.js';
import { MemoryIncidentStore } from '../store/memory-store.js';
import type { IncidentStore } from '../store/store.js';

/**
 * For specs: an in-memory store, a bus that keeps what is appended, one rule with one webhook
 * `action` (at most `maxAttempts` attempts, millisecond backoff), and one incident opened on it
 * and handed to remediation. What was sent, stored and logged is there to inspect. `now` is the
 * clock of both services (a spec about time moves it by hand); `store` an initialised store.
 */
export async function startOneAction(
  action: Partial<WebhookAction> & { url: string },
  maxAttempts: number,
  now: () => number = Date.now,
  store: IncidentStore = new MemoryIncidentStore(),
) {
  const sent: OutRecord[] = [];
  const bus = { send: async (records: OutRecord[]) => void sent.push(...records) } as unknown as Bus;
  const options = loadIncidentsOptions({
    INCIDENTS_MIN_OCCURRENCES: '1',
    WEBHOOK_MAX_ATTEMPTS: String(maxAttempts),
    WEBHOOK_BACKOFF_MS: '1',
    WEBHOOK_BACKOFF_MAX_MS: '5',
    WEBHOOK_TIMEOUT_MS: '2000',
  });
  const outbox = new Outbox(store, bus, undefined, () => undefined);
  const incidents = new IncidentsService(store, options, now, (t, k, id, v) => outbox.record(t, k, id, v));
  const rule: RemediationRule = {
    name: 'r1',
    file: 'x.yaml',
    line: 1,
    match: {},
    actions: [{ name: 'poke', format: 'vigil', headers: {}, secrets: [ephemeralSecret()], ephemeralSecret: false, guardrails: {}, ...action }],
  };
  const logs: string[] = [];
  const remediation = new RemediationService(store, [rule], options, outbox, { log: (m) => logs.push(m), warn: (m) => logs.push(m) }, 'http://vigil', now);
  const [opened] = await incidents.onFindings([
    { id: 'f1', entity: 'web-1', timestamp: now(), kind: 'metric_anomaly', source: 'anomalies', score: 0.7, labels: {}, fingerprint: findingFingerprint('web-1', 'metric_anomaly', 'm'), title: 't' },
  ]);
  const started = await remediation.onIncidentEvent(opened!);
  return { sent, store, incidents, remediation, logs, opened: opened!, started };
}
