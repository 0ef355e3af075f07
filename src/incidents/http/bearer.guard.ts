import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { INCIDENTS_RUNTIME, type IncidentsRuntime } from '../incidents.runtime.js';

/** Who made a mutating call: the token's name (`name:token` in VIGIL_API_TOKENS), never the token. */
export const ACTOR = Symbol('vigil-actor');

/**
 * Mutating endpoints need `Authorization: Bearer <token>` with a token from VIGIL_API_TOKENS
 * (comma-separated, each `token` or `name:token`). Compared in constant time on hashes; the
 * token is never logged or echoed — errors say only that it is missing or not accepted.
 */
@Injectable()
export class BearerGuard implements CanActivate {
  private readonly tokens: Array<{ name: string; hash: Buffer }>;

  constructor(@Inject(INCIDENTS_RUNTIME) rt: IncidentsRuntime) {
    this.tokens = rt.options.apiTokens.map((t, i) => {
      const colon = t.indexOf(':');
      const [name, secret] = colon > 0 ? [t.slice(0, colon), t.slice(colon + 1)] : [`token-${i + 1}`, t];
      return { name, hash: digest(secret) };
    });
  }

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; [ACTOR]?: string }>();
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m) throw new UnauthorizedException('a bearer token is required (Authorization: Bearer <token>)');
    const got = digest(m[1]!);
    let who: string | undefined;
    for (const t of this.tokens) if (timingSafeEqual(t.hash, got)) who = t.name;
    if (!who) throw new UnauthorizedException('the bearer token is not accepted');
    req[ACTOR] = who;
    return true;
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
