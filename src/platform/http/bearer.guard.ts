import { createHash, timingSafeEqual } from 'node:crypto';
import { BadRequestException, Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';

/** Who made a mutating call: the token's name (`name:token` in VIGIL_API_TOKENS), never the token. */
export const ACTOR = Symbol('vigil-actor');

/** Injection token of the accepted tokens: a module whose controllers use BearerGuard provides it. */
export const API_TOKENS = Symbol('API_TOKENS');

export type AuthedRequest = { [ACTOR]?: string };
/** A JSON request body, when there is one. */
export type Json = Record<string, unknown> | undefined;

/** VIGIL_API_TOKENS: comma-separated, each `token` or `name:token`. */
export function loadApiTokens(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.VIGIL_API_TOKENS ?? '').split(',').map((t) => t.trim()).filter(Boolean);
}

/**
 * Mutating endpoints need `Authorization: Bearer <token>` with a token from VIGIL_API_TOKENS
 * (comma-separated, each `token` or `name:token`). Compared in constant time on hashes; the
 * token is never logged or echoed — errors say only that it is missing or not accepted.
 */
@Injectable()
export class BearerGuard implements CanActivate {
  private readonly tokens: Array<{ name: string; hash: Buffer }>;

  constructor(@Inject(API_TOKENS) tokens: string[]) {
    this.tokens = tokens.map((t, i) => {
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

/** The token's name, with the caller's own `by` after it when given (the token vouches, `by` says who). */
export function actor(req: AuthedRequest, body: Json): string {
  const by = bodyString(body, 'by');
  const token = req[ACTOR] ?? 'unknown';
  return by ? `${by.slice(0, 128)} (token ${token})` : `token ${token}`;
}

/** A string field of the body, if given; 400 when it is not a string. */
export function bodyString(body: Json, key: string): string | undefined {
  const v = body?.[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new BadRequestException(`${key} must be a string`);
  return v;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
