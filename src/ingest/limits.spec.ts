import { describe, expect, it } from 'vitest';
import { TenantAuth } from './auth.js';
import { loadIngestOptions } from './options.js';
import { TenantRateLimiter } from './rate-limit.js';
import { IngestError } from './types.js';

describe('tenant rate limit', () => {
  it('lets a tenant spend its burst, then asks it to wait until the debt is paid back; tenants are apart', () => {
    let now = 0;
    const limiter = new TenantRateLimiter(100, 100, () => now);
    expect(limiter.take('a', 250)).toEqual({ ok: true });
    // 150 samples of debt at 100/s: 1.5 s (and one more sample's worth) before the next request.
    expect(limiter.take('a', 1)).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(limiter.take('b', 50)).toEqual({ ok: true });
    now = 1600;
    expect(limiter.take('a', 1)).toEqual({ ok: true });
  });

  it('is off at rate 0', () => {
    expect(new TenantRateLimiter(0, 0).take('a', 1e9)).toEqual({ ok: true });
  });
});

describe('bearer tokens', () => {
  const auth = new TenantAuth(loadIngestOptions({ INGEST_TOKENS: 'team-a=s3cret,plain' }).tokens);
  const status = (headers: Record<string, string>) => {
    try {
      return auth.tenant(headers);
    } catch (err) {
      return (err as IngestError).status;
    }
  };

  it('maps a token to its tenant; 401 without one, 403 for one not configured', () => {
    expect(status({ authorization: 'Bearer s3cret' })).toBe('team-a');
    expect(status({ authorization: 'bearer plain' })).toBe('default');
    expect(status({})).toBe(401);
    expect(status({ authorization: 'Basic xyz' })).toBe(401);
    expect(status({ authorization: 'Bearer s3cre' })).toBe(403);
  });

  it('without tokens, takes the tenant from X-Scope-OrgID', () => {
    const open = new TenantAuth(new Map());
    expect(open.tenant({ 'x-scope-orgid': 'ops' })).toBe('ops');
    expect(open.tenant({})).toBe('default');
  });
});
