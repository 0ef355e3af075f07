import { timingSafeEqual } from 'node:crypto';
import { IngestError } from './types.js';

/**
 * Bearer-token authentication when tokens are configured: the token names the tenant (401 when
 * none is sent, 403 when it is not known). Without tokens, the tenant is the X-Scope-OrgID
 * header (as Cortex and Mimir read it) or "default".
 */
export class TenantAuth {
  private readonly tokens: Array<{ token: Buffer; tenant: string }>;

  constructor(tokens: Map<string, string>) {
    this.tokens = [...tokens].map(([token, tenant]) => ({ token: Buffer.from(token), tenant }));
  }

  tenant(headers: Record<string, string | string[] | undefined>): string {
    if (this.tokens.length === 0) {
      const org = first(headers['x-scope-orgid'])?.trim();
      return org ? org : 'default';
    }
    const auth = first(headers.authorization);
    if (!auth) throw new IngestError(401, 'unauthorized', 'authorization: a bearer token is required', 0, { 'www-authenticate': 'Bearer realm="vigil-ingest"' });
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (!m) throw new IngestError(401, 'unauthorized', 'authorization: must be "Bearer <token>"', 0, { 'www-authenticate': 'Bearer realm="vigil-ingest"' });
    const given = Buffer.from(m[1]!);
    // Constant-time comparison, so response time does not leak how much of a token matched.
    const hit = this.tokens.find((t) => t.token.length === given.length && timingSafeEqual(t.token, given));
    if (!hit) throw new IngestError(403, 'forbidden', 'authorization: token not accepted');
    return hit.tenant;
  }
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
