import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findingFingerprint } from '../../src/incidents/findings.js';
import { startOneAction, type Stores } from './one-action.js';
import { until } from './until.js';

/**
 * The guardrails that are about time — approval expiry and verification after delivery — on a
 * clock the test moves by hand: each decision is checked on both sides of its boundary, however
 * slow the machine, on the stores `makeStores()` gives (memory in a spec, PostgreSQL in test/). The
 * guardrails integration test checks them through the API and Kafka, asserting only outcomes no
 * timing can change.
 */
export function guardrailClockCases(storeName: string, makeStores: () => Promise<Stores>): void {
  describe(`remediation guardrails on a hand-moved clock (${storeName} store)`, () => {
    let server: Server | undefined;
    afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

    async function receiver(): Promise<string> {
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(200).end());
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/run`;
    }

    const clock = () => {
      let t = Date.now();
      return { now: () => t, tick: (ms: number) => (t += ms) };
    };

    it('approval: still waiting 1 ms before it expires, expired at the instant, and approving it then is refused', async () => {
      const { now, tick } = clock();
      const url = await receiver();
      const { store, remediation, opened } = await startOneAction({ url, guardrails: { approval: { required: true, expires_after_ms: 2000 } } }, 1, now, await makeStores());
      const status = async () => (await store.listActions({ incident_id: opened.incident_id }))[0]!;
      expect((await status()).status).toBe('awaiting_approval');
      tick(1999);
      await remediation.sweep();
      expect((await status()).status).toBe('awaiting_approval');
      tick(1);
      await remediation.sweep();
      const expired = await status();
      expect(expired.status).toBe('expired');
      await expect(remediation.approve(expired.id, 'alice')).rejects.toThrow(/is expired, not awaiting approval/);
      await remediation.stop(100);
    });

    for (const noisy of [false, true]) {
      it(`verification: ${noisy ? 'a finding within the window after delivery: not verified' : 'no finding in the window: verified'}, decided when the window ends`, async () => {
        const { now, tick } = clock();
        const url = await receiver();
        const { store, incidents, remediation, opened } = await startOneAction({ url, guardrails: { verify: { within_ms: 3000 } } }, 1, now, await makeStores());
        const action = async () => (await store.listActions({ incident_id: opened.incident_id }))[0]!;
        await until(async () => (await action()).status === 'delivered', 30_000, 'the delivery');
        tick(1000);
        if (noisy) {
          const f = { id: 'f2', entity: 'web-1', timestamp: now(), kind: 'metric_anomaly', source: 'anomalies' as const, score: 0.7, labels: {}, fingerprint: findingFingerprint('web-1', 'metric_anomaly', 'm'), title: 't' };
          await incidents.onFindings([f]);
        }
        tick(1999);
        await remediation.sweep();
        expect((await action()).status).toBe('delivered');
        tick(1);
        await remediation.sweep();
        const decided = await action();
        expect(decided.status).toBe(noisy ? 'not_verified' : 'verified');
        expect(decided.reason).toBe(noisy ? '1 finding(s) on web-1 within 3 s of delivery' : 'no finding on web-1 within 3 s of delivery');
        await remediation.stop(100);
      });
    }
  });
}
