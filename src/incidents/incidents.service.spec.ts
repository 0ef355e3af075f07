import { describe, expect, it } from 'vitest';
import { findingFingerprint } from './findings.js';
import { IncidentsService } from './incidents.service.js';
import { loadIncidentsOptions } from './options.js';
import { MemoryDatabase } from '../platform/db/memory-database.js';
import { MemoryIncidentStore } from './store/memory-incident-store.js';
import type { Finding, IncidentEvent } from './types.js';

function setup(env: Record<string, string> = {}) {
  let now = 1_000_000;
  const store = new MemoryIncidentStore(new MemoryDatabase());
  const service = new IncidentsService(store, loadIncidentsOptions({ INCIDENTS_MIN_OCCURRENCES: '3', INCIDENTS_GROUP_WINDOW_MS: '60000', INCIDENTS_QUIET_MS: '5000', ...env }), () => now);
  return { store, service, tick: (ms: number) => (now += ms) };
}

let seq = 0;
function finding(entity: string, timestamp: number, o: Partial<Finding> = {}): Finding {
  const kind = o.kind ?? 'metric_anomaly';
  return { id: `f${seq++}`, entity, timestamp, kind, source: 'anomalies', score: 0.7, labels: {}, fingerprint: findingFingerprint(entity, kind, 'm'), title: 't', ...o };
}

describe('IncidentsService', () => {
  it('opens once the threshold is reached, ignores a redelivered finding, groups the rest', async () => {
    const { service, store } = setup();
    const f1 = finding('h', 0);
    expect(await service.onFindings([f1, f1, finding('h', 1000)])).toEqual([]);
    const third = finding('h', 2000);
    const [opened] = await service.onFindings([third]);
    expect(opened).toMatchObject({ event: 'opened', status: 'open', entity: 'h' });
    // Redelivered (say the append failed after the store committed): the same event again, same id.
    expect(await service.onFindings([third])).toEqual([opened]);
    expect(await service.onFindings([finding('h', 3000)])).toEqual([]);
    const inc = await store.getIncident(opened!.incident_id);
    expect(inc!.occurrences).toBe(4);
  });

  it('a finding beyond the window (event time) starts a new incident; quiet incidents auto-resolve', async () => {
    const { service, tick } = setup({ INCIDENTS_MIN_OCCURRENCES: '1' });
    const [a] = await service.onFindings([finding('h', 0)]);
    const next = await service.onFindings([finding('h', 120_000)]);
    expect(next.map((e) => e.event)).toEqual(['resolved', 'opened']);
    expect(next[1]!.incident_id).not.toBe(a!.incident_id);
    tick(6000);
    const swept = await service.sweep();
    expect(swept.map((e) => [e.event, e.incident_id])).toEqual([['resolved', next[1]!.incident_id]]);
  });

  it('the grouping window extends while findings keep coming: gaps under it, spanning more than it, make one incident; a longer gap opens a new one', async () => {
    const { service, store } = setup({ INCIDENTS_MIN_OCCURRENCES: '1' }); // window 60 s (event time)
    const times = [0, 50_000, 100_000, 150_000, 200_000]; // each 50 s after the last; 200 s from first to last
    const events: IncidentEvent[] = [];
    for (const t of times) events.push(...(await service.onFindings([finding('w', t)])));
    expect(events.map((e) => e.event)).toEqual(['opened']);
    const first = events[0]!.incident_id;
    const inc = await store.getIncident(first);
    expect(inc).toMatchObject({ status: 'open', occurrences: 5, first_seen: 0, last_seen: 200_000 });
    expect(inc!.last_seen - inc!.first_seen).toBeGreaterThan(60_000);

    // 60 s + 1 ms after the last finding: the old incident closes, a new one opens.
    const next = await service.onFindings([finding('w', 260_001)]);
    expect(next.map((e) => [e.event, e.incident_id === first])).toEqual([
      ['resolved', true],
      ['opened', false],
    ]);
    expect((await store.listIncidents({ entity: 'w' })).map((i) => [i.status, i.occurrences]).sort()).toEqual([
      ['open', 1],
      ['resolved', 5],
    ]);
  });

  it('acknowledge then resolve; a resolved incident cannot be acknowledged', async () => {
    const { service } = setup({ INCIDENTS_MIN_OCCURRENCES: '1' });
    const [o] = await service.onFindings([finding('h', 0)]);
    expect((await service.acknowledge(o!.incident_id, 'me')).events[0]!.event).toBe('acknowledged');
    expect((await service.resolve(o!.incident_id, 'me', 'fixed')).events[0]!.status).toBe('resolved');
    await expect(service.acknowledge(o!.incident_id, 'me')).rejects.toThrow(/already resolved/);
  });

  it('INCIDENTS_GROUP_BY=service groups one service across hosts; a finding without the label groups by entity', async () => {
    const { service } = setup({ INCIDENTS_MIN_OCCURRENCES: '1', INCIDENTS_GROUP_BY: 'service' });
    const [a] = await service.onFindings([finding('host-1', 0, { labels: { service: 'shop' } })]);
    expect(await service.onFindings([finding('host-2', 1000, { labels: { service: 'shop' } })])).toEqual([]);
    const [b] = await service.onFindings([finding('host-3', 1000)]);
    expect(b!.incident_id).not.toBe(a!.incident_id);
  });

  it('host_down inhibits findings of services on that host', async () => {
    const { service } = setup({ INCIDENTS_MIN_OCCURRENCES: '1' });
    await service.onFindings([finding('host-1', 0, { kind: 'host_down' })]);
    expect(await service.onFindings([finding('svc-a', 0, { labels: { host: 'host-1' } })])).toEqual([]);
    expect(await service.onFindings([finding('svc-b', 0, { labels: { host: 'host-2' } })])).toHaveLength(1);
  });

  it('a maintenance window: findings before it starts count, from its start on they are silenced, after its end they count again', async () => {
    const { service, store, tick } = setup({ INCIDENTS_MIN_OCCURRENCES: '1' });
    const base = { matchers: [{ name: 'entity', op: '=~' as const, value: 'mw-.*' }], created_by: 'spec', comment: 'maintenance', created_at: 0 };
    const at = (ms: number) => 1_000_000 + ms; // the setup's clock starts at 1,000,000
    await store.saveSilence({ id: 'mw', ...base, starts_at: at(2500), ends_at: at(2500 + 3_600_000) });
    const counted = async () => (await store.listIncidents({ entity: 'mw-a' })).reduce((n, i) => n + i.occurrences, 0);
    await service.onFindings([finding('mw-a', 0)]);
    tick(2499);
    await service.onFindings([finding('mw-a', 1000)]);
    expect(await counted()).toBe(2);
    tick(1); // the window's first instant
    expect(await service.onFindings([finding('mw-a', 2000), finding('mw-b', 2000)])).toEqual([]);
    expect(await counted()).toBe(2);
    expect(await store.listIncidents({ entity: 'mw-b' })).toEqual([]);
    tick(3_600_000); // ended
    expect((await service.onFindings([finding('mw-b', 3000)])).map((e) => e.event)).toEqual(['opened']);
  });
});
