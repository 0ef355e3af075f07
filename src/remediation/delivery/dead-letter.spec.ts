import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { platformMetrics } from '../../platform/metrics/registry.js';
import { DLQ_HEADERS } from '../../platform/stage/dead-letter.js';
import { startOneAction } from '../../../test/support/one-action.js';
import { until } from '../../../test/support/until.js';

describe('an action whose last attempt fails goes to the dead-letter topic', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('appends the action (rule, action, target without secrets, body, reason, attempts, incident, idempotency key) with vigil-dlq-* headers, in the decision transaction', async () => {
    const bodies: string[] = [];
    server = createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString('utf8')));
      req.on('end', () => {
        bodies.push(b);
        res.writeHead(500).end();
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=s3cret-value`;

    const counter = async () =>
      (await platformMetrics.deadLettered.get()).values.find((x) => x.labels.service === 'remediation' && x.labels.topic === 'aiops.remediations' && x.labels.reason === 'delivery_failed')?.value ?? 0;
    const before = await counter();

    const { sent, store, remediation, opened, started } = await startOneAction({ url, headers: { authorization: 'Bearer nope' } }, 3);
    expect(started).toBe(true);
    await until(() => sent.some((r) => r.topic === 'aiops.remediations.dlq'), 30_000, 'the dead letter');
    await remediation.stop(100);

    const [action] = await store.listActions({ incident_id: opened!.incident_id });
    expect(action!.status).toBe('dead_lettered');
    const dlq = sent.filter((r) => r.topic === 'aiops.remediations.dlq');
    expect(dlq).toHaveLength(1);
    const d = dlq[0]!;
    expect(d.key).toBe(opened!.incident_id);
    expect(d.headers![DLQ_HEADERS.reason]).toBe('delivery_failed');
    expect(d.headers![DLQ_HEADERS.service]).toBe('remediation');
    expect(d.headers![DLQ_HEADERS.error]).toBe('r1/poke to ' + url.replace('s3cret-value', 'redacted') + ' gave up after 3 attempt(s): HTTP 500');
    expect(d.headers![DLQ_HEADERS.topic]).toBeUndefined(); // never a consumed record: no source coordinates
    expect(d.headers!['vigil-id']).toMatch(/^[0-9a-f-]{36}$/);
    const v = JSON.parse(String(d.value)) as Record<string, unknown>;
    expect(v).toEqual({
      type: 'vigil.remediation.undelivered.v1',
      idempotency_key: action!.id,
      incident_id: opened!.incident_id,
      rule: 'r1',
      action: 'poke',
      entity: 'web-1',
      environment: 'default',
      target: url.replace('s3cret-value', 'redacted'),
      format: 'vigil',
      body: JSON.parse(bodies[0]!),
      reason: 'HTTP 500',
      attempts: 3,
      status_code: 500,
      timestamp: expect.any(Number),
    });
    expect(bodies).toHaveLength(3);
    // No secret anywhere in the dead letter: not the URL's, not a header's.
    expect(JSON.stringify(d)).not.toMatch(/s3cret-value|Bearer nope/);
    // In the same transaction as the decision: the aiops.remediations event went out with it.
    const decisions = sent.filter((r) => r.topic === 'aiops.remediations').map((r) => (JSON.parse(String(r.value)) as { decision: string }).decision);
    expect(decisions.at(-1)).toBe('dead_lettered');
    expect(await counter()).toBe(before + 1);
  });
});
