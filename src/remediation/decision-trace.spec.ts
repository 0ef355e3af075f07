import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTracing } from '../platform/tracing/tracing.js';
import { startOneAction } from '../../test/support/one-action.js';
import { until } from '../../test/support/until.js';

describe('every aiops.remediations event carries a traceparent', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    // The provider a Vigil process installs at start (no exporter: context only).
    setupTracing('decision-trace-spec');
    server = createServer((req, res) => void req.resume().on('end', () => res.writeHead(204).end()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('an action approved through the API: planned, awaiting_approval, approved and delivered; the approval and its delivery in one trace', async () => {
    const { sent, store, remediation, opened } = await startOneAction({ url: `${base}/hook`, guardrails: { approval: { required: true } } }, 2);
    const [row] = await store.listActions({ incident_id: opened.incident_id });
    expect(row!.status).toBe('awaiting_approval');
    await remediation.approve(row!.id, 'ops');
    const events = () => sent.filter((r) => r.topic === 'aiops.remediations').map((r) => ({ decision: (JSON.parse(String(r.value)) as { decision: string }).decision, traceparent: r.headers?.traceparent }));
    await until(() => events().some((e) => e.decision === 'delivered'), 30_000, 'the delivered event');
    await remediation.stop(100);

    const all = events();
    expect(all.map((e) => e.decision)).toEqual(['planned', 'awaiting_approval', 'approved', 'delivered']);
    for (const e of all) expect(e.traceparent, `${e.decision} has a traceparent`).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const traceOf = (d: string) => all.find((e) => e.decision === d)!.traceparent!.split('-')[1];
    expect(traceOf('delivered')).toBe(traceOf('approved'));
  });

  it('an action rejected through the API', async () => {
    const { sent, store, remediation, opened } = await startOneAction({ url: `${base}/hook`, guardrails: { approval: { required: true } } }, 2);
    const [row] = await store.listActions({ incident_id: opened.incident_id });
    await remediation.reject(row!.id, 'ops', 'not now');
    await remediation.stop(100);
    const rejected = sent.filter((r) => r.topic === 'aiops.remediations' && String(r.value).includes('"rejected"'));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.headers?.traceparent).toMatch(/^00-[0-9a-f]{32}-/);
  });
});
