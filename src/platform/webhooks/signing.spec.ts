import { describe, expect, it } from 'vitest';
import { parseSecrets, sign, verify } from './signing.js';

describe('Standard Webhooks signing', () => {
  it('matches the reference vector of the specification', () => {
    const h = sign('msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}', ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']);
    expect(h['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs with every secret (rotation); a receiver with either verifies, a changed body or stale timestamp does not', () => {
    const [a, b] = parseSecrets(`whsec_${Buffer.alloc(32, 1).toString('base64')}, whsec_${Buffer.alloc(32, 2).toString('base64')}`) as [string, string];
    const now = 1_700_000_000;
    const h = sign('id-1', now, '{"x":1}', [a, b]);
    expect(h['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verify(h, '{"x":1}', a, 300, now)).toBe(true);
    expect(verify(h, '{"x":1}', b, 300, now)).toBe(true);
    expect(verify(h, '{"x":2}', a, 300, now)).toBe(false);
    expect(verify(h, '{"x":1}', a, 300, now + 301)).toBe(false);
    const [other] = parseSecrets(`whsec_${Buffer.alloc(32, 3).toString('base64')}`) as [string];
    expect(verify(h, '{"x":1}', other, 300, now)).toBe(false);
  });

  it('refuses secrets that are not whsec_<base64>', () => {
    expect(() => parseSecrets('plain-text')).toThrow(/whsec_/);
    expect(() => parseSecrets('whsec_c2hvcnQ=')).toThrow(/24 to 64 bytes/);
  });
});
