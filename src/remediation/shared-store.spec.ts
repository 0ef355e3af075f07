import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openIncidents, storesOn } from '../../test/support/one-action.js';
import type { Guardrails, RemediationRule } from '../lib/remediation-rules/index.js';
import { ephemeralSecret } from '../platform/webhooks/signing.js';
import { loadRemediationOptions } from './options.js';
import { RemediationService } from './remediation.service.js';
import type { ActionStore } from './store/store.js';
import type { ActionOutbox } from './types.js';

/**
 * Two RemediationServices on one store behave as one: the guardrails' checks and claims, an
 * approval and the adoption of an action whose holder's lease ran out are decided in the store's
 * exclusive sections, not in either service. (PostgreSQL with real processes:
 * test/incidents-scale-out.test.ts.) The incidents are opened by the incidents service, on the same database.
 */
describe('remediation: two services on one store', () => {
  let server: Server | undefined;
  const services: RemediationService[] = [];
  afterEach(async () => {
    for (const s of services.splice(0)) await s.stop(100);
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  /** A receiver: `answer` decides each request (undefined: hang); requests and the most in flight at once are counted. */
  async function receiver(answer: (id: string, n: number) => number | undefined = () => 200) {
    const seen: string[] = [];
    let inFlight = 0;
    const stats = { seen, maxInFlight: 0 };
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const id = String(req.headers['webhook-id']);
      seen.push(id);
      inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
      res.on('close', () => (inFlight -= 1));
      req.resume().on('end', () => {
        const status = answer(id, seen.filter((x) => x === id).length);
        if (status !== undefined) setTimeout(() => res.writeHead(status).end(), 20);
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/run`, stats };
  }

  async function setup(guardrails: Guardrails, url: string, entities: number, clock: () => number = Date.now, leaseMs = 60_000) {
    const { incidents, actions: store } = await storesOn();
    const options = loadRemediationOptions({ REMEDIATION_BLAST_RADIUS: '100', REMEDIATION_LEASE_MS: String(leaseMs), WEBHOOK_BACKOFF_MS: '1', WEBHOOK_TIMEOUT_MS: '60000', VIGIL_EXTERNAL_URL: 'http://vigil' });
    const outbox: ActionOutbox = {
      record: (topic, key, id, value) => ({ id, topic, key, value, headers: {} }),
      deadLetter: (topic, key, id, value, headers) => ({ id, topic, key, value, headers }),
      flush: async () => {},
    };
    const rule: RemediationRule = {
      name: 'r',
      file: 'x.yaml',
      line: 1,
      match: {},
      actions: [{ name: 'run', url, format: 'vigil', headers: {}, secrets: [ephemeralSecret()], ephemeralSecret: false, guardrails }],
    };
    const quiet = { log: () => undefined, warn: () => undefined };
    const [a, b] = ['a', 'b'].map((owner) => new RemediationService({ store, rules: [rule], options, outbox, logger: quiet, now: clock, owner })) as [RemediationService, RemediationService];
    services.push(a, b);
    const opened = await openIncidents(incidents, entities, clock);
    return { store, a, b, opened };
  }

  const settled = async (store: ActionStore, n: number) => {
    await expect.poll(async () => (await store.actionsIn(['delivered', 'skipped'])).length, { timeout: 10_000, interval: 10 }).toBe(n);
    return { delivered: (await store.actionsIn(['delivered'])).length, skipped: await store.actionsIn(['skipped']) };
  };

  it('blast radius: six entities of one environment through both services at once, exactly two sent', async () => {
    const rx = await receiver();
    const { store, a, b, opened } = await setup({ blast_radius: { max_entities: 2, window_ms: 3_600_000 } }, rx.url, 6);
    await Promise.all(opened.map((ev, i) => (i % 2 ? a : b).onIncidentEvent(ev)));
    const { delivered, skipped } = await settled(store, 6);
    expect(delivered).toBe(2);
    expect(skipped.every((x) => x.reason?.startsWith('blast_radius:'))).toBe(true);
    expect(new Set(rx.stats.seen).size).toBe(2);
  });

  it('rate limit 3 on one target and max_concurrent 1: three sent, never two in flight', async () => {
    const rx = await receiver();
    const { store, a, b, opened } = await setup({ rate_limit: { max: 3, per_ms: 3_600_000 }, max_concurrent: 1 }, rx.url, 6);
    await Promise.all(opened.map((ev, i) => (i % 2 ? a : b).onIncidentEvent(ev)));
    const { delivered, skipped } = await settled(store, 6);
    expect(delivered).toBe(3);
    expect(skipped.every((x) => x.reason?.startsWith('rate_limited:'))).toBe(true);
    expect(rx.stats.maxInFlight).toBe(1);
  });

  it('one approval through both services at once: one taken, the other refused, one request', async () => {
    const rx = await receiver();
    const { store, a, b, opened } = await setup({ approval: { required: true, expires_after_ms: 3_600_000 } }, rx.url, 1);
    await a.onIncidentEvent(opened[0]!);
    const [waiting] = await store.actionsIn(['awaiting_approval']);
    const answers = await Promise.allSettled([a.approve(waiting!.id, 'alice'), b.approve(waiting!.id, 'bob')]);
    expect(answers.map((x) => x.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(String((answers.find((x) => x.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(/is approved, not awaiting approval/);
    await settled(store, 1);
    expect(rx.stats.seen).toHaveLength(1);
  });

  it("an action whose holder's lease ran out is adopted by the other and delivered once, with its webhook-id", async () => {
    let t = Date.now();
    // The first request of the action hangs: its holder (a) is stuck, as if it died mid-request.
    const rx = await receiver((_id, n) => (n === 1 ? undefined : 200));
    const { store, a, b, opened } = await setup({}, rx.url, 1, () => t, 1000);
    await a.onIncidentEvent(opened[0]!);
    await expect.poll(() => rx.stats.seen.length, { timeout: 10_000, interval: 10 }).toBe(1);
    await b.sweep();
    expect(rx.stats.seen).toHaveLength(1); // a's lease is alive: nothing adopted
    t += 1001;
    await b.sweep();
    await expect.poll(async () => (await store.actionsIn(['delivered'])).length, { timeout: 10_000, interval: 10 }).toBe(1);
    expect(rx.stats.seen).toEqual([rx.stats.seen[0], rx.stats.seen[0]]);
    expect((await store.actionEvents({})).filter((e) => e.decision === 'delivered')).toHaveLength(1);
  });
});
