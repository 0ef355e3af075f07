import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreakers } from './circuit-breaker.js';
import { ephemeralSecret } from '../../platform/webhooks/signing.js';
import { WebhookSender, type AttemptFailure } from './webhook-sender.js';

/**
 * The circuit breaker inside delivery, on a clock the spec holds still: once the endpoint has
 * failed `threshold` times in a row, the remaining attempts are not sent at all, however long
 * the machine takes between them. (How long the circuit stays open is the breaker's clock's
 * business: circuit-breaker boundaries are checked below on the same hand-held clock.)
 */
describe('webhook delivery and the circuit breaker', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function failing(): Promise<{ url: string; hits: () => number }> {
    let hits = 0;
    server = createServer((req, res) => {
      hits += 1;
      req.resume();
      req.on('end', () => res.writeHead(503).end());
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/run`, hits: () => hits };
  }

  it('sends no attempt while the circuit is open: with the clock held, threshold requests and the rest refused', async () => {
    const { url, hits } = await failing();
    const t = 1_000_000;
    const sender = new WebhookSender(
      { timeoutMs: 10_000, maxAttempts: 8, backoffMs: 1, backoffMaxMs: 2, breakerThreshold: 4, breakerResetMs: 20 },
      new CircuitBreakers(4, 20, () => t),
      new AbortController().signal,
    );
    const failures: AttemptFailure[] = [];
    const result = await sender.deliver({ id: 'a1', url, body: '{}', headers: {}, secrets: [ephemeralSecret()], timeoutMs: 10_000 }, async (f) => void failures.push(f));
    expect(result).toMatchObject({ ok: false, attempts: 8 });
    expect(hits()).toBe(4);
    expect(failures.map((f) => f.reason)).toEqual([...Array(4).fill('HTTP 503'), ...Array(4).fill(`circuit open for ${new URL(url).origin}`)]);
  });

  it('the breaker: open from the threshold for exactly resetMs, then one probe; a failed probe opens it again, a success closes it', () => {
    let t = 0;
    const b = new CircuitBreakers(2, 300, () => t);
    b.failure('e');
    expect(b.waitMs('e')).toBe(0);
    b.failure('e');
    expect(b.waitMs('e')).toBe(300);
    t += 299;
    expect(b.waitMs('e')).toBe(1);
    t += 1;
    expect(b.waitMs('e')).toBe(0); // the probe
    expect(b.waitMs('e')).toBe(300); // others wait while it is out
    b.failure('e');
    expect(b.isOpen('e')).toBe(true);
    t += 300;
    expect(b.waitMs('e')).toBe(0);
    b.success('e');
    expect(b.isOpen('e')).toBe(false);
    expect(b.waitMs('e')).toBe(0);
  });
});
