import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebhookAction } from '../lib/remediation-rules/index.js';
import { startOneAction } from '../../test/support/one-action.js';
import { until } from '../../test/support/until.js';

const SECRET = 's3cret-value';

/** One action of `action` on a fresh incident, run to its final decision: what was sent, stored and logged. */
async function runAction(action: Partial<WebhookAction> & { url: string }, settled: string[]) {
  const { sent, store, remediation, logs, opened } = await startOneAction(action, 2);
  let rows = await store.listActions({ incident_id: opened!.incident_id });
  await until(async () => (rows = await store.listActions({ incident_id: opened!.incident_id })).every((r) => settled.includes(r.status)), 30_000, `actions ${settled.join('/')}`);
  await remediation.stop(100);
  const events = sent.filter((r) => r.topic === 'aiops.remediations').map((r) => JSON.parse(String(r.value)) as { decision: string; target?: string; reason?: string });
  return { rows, events, sent, logs, stored: await store.actionEvents({ incident_id: opened!.incident_id }) };
}

describe('an action records and publishes its target without the URL credentials; delivery uses the real URL', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function receiver(status: number): Promise<{ base: string; paths: string[] }> {
    const paths: string[] = [];
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      req.resume().on('end', () => res.writeHead(status).end());
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths };
  }

  it('a ?token= URL: the receiver gets the token; the row, every aiops.remediations event, every decision row and the logs do not', async () => {
    const { base, paths } = await receiver(200);
    const r = await runAction({ url: `${base}/hook?token=${SECRET}&team=sre` }, ['delivered']);
    expect(paths).toEqual([`/hook?token=${SECRET}&team=sre`]);
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]!.status).toBe('delivered');
    expect(r.rows[0]!.target).toBe(`${base}/hook?token=redacted&team=redacted`);
    expect(r.events.map((e) => e.decision)).toEqual(['planned', 'delivered']);
    for (const e of r.events) expect(e.target).toBe(`${base}/hook?token=redacted&team=redacted`);
    expect(r.stored).toHaveLength(2);
    expect(JSON.stringify([r.rows, r.sent, r.stored, r.logs])).not.toContain(SECRET);
  });

  it('dry-run: the logged request and the recorded reason show the cleaned URL', async () => {
    const { base, paths } = await receiver(200);
    const r = await runAction({ url: `${base}/hook?token=${SECRET}`, guardrails: { dry_run: true } }, ['dry_run']);
    expect(paths).toEqual([]);
    expect(r.rows[0]!.status).toBe('dry_run');
    expect(r.logs.join('\n')).toContain(`POST ${base}/hook?token=redacted`);
    expect(r.rows[0]!.reason).toContain(`would POST ${base}/hook?token=redacted as vigil`);
    expect(JSON.stringify([r.rows, r.sent, r.stored, r.logs])).not.toContain(SECRET);
  });

  it('a user:password URL (fetch refuses it, quoting the URL): the failure reasons, dead letter and logs carry the cleaned URL', async () => {
    const { base, paths } = await receiver(200);
    const url = base.replace('http://', `http://bob:${SECRET}@`) + '/hook';
    const r = await runAction({ url }, ['dead_lettered']);
    expect(paths).toEqual([]);
    expect(r.rows[0]!.status).toBe('dead_lettered');
    expect(r.rows[0]!.target).toBe(`${base}/hook`);
    expect(r.events.map((e) => e.decision)).toEqual(['planned', 'failed', 'failed', 'dead_lettered']);
    expect(r.events[1]!.reason).toContain(`${base}/hook`);
    expect(r.sent.some((x) => x.topic === 'aiops.remediations.dlq')).toBe(true);
    expect(JSON.stringify([r.rows, r.sent, r.stored, r.logs])).not.toContain(SECRET);
  });
});
