import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signing (standardwebhooks.com): the signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`, HMAC-SHA256 with the secret's key bytes, sent as
 * `webhook-signature: v1,<base64>`; several secrets (rotation) give several space-separated
 * signatures and a receiver accepts any it knows.
 */
export interface SignedHeaders extends Record<string, string> {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** `whsec_<base64>` secrets, separated by spaces or commas; throws when one is not of that form. */
export function parseSecrets(raw: string): string[] {
  const secrets = raw.split(/[\s,]+/).filter(Boolean);
  if (secrets.length === 0) throw new Error('no secret given');
  for (const s of secrets) keyOf(s);
  return secrets;
}

function keyOf(secret: string): Buffer {
  if (!secret.startsWith('whsec_')) throw new Error('a secret must look like whsec_<base64>');
  const b64 = secret.slice('whsec_'.length);
  const key = Buffer.from(b64, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || key.length < 24 || key.length > 64) throw new Error('a secret must be whsec_ followed by 24 to 64 bytes in base64');
  return key;
}

export function sign(id: string, timestampSeconds: number, body: string, secrets: readonly string[]): SignedHeaders {
  const content = `${id}.${timestampSeconds}.${body}`;
  const signatures = secrets.map((s) => `v1,${createHmac('sha256', keyOf(s)).update(content).digest('base64')}`);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': signatures.join(' ') };
}

/** The receiver's side (tests, and anyone who wants a reference): true when any signature verifies and the timestamp is fresh. */
export function verify(headers: Record<string, string | undefined>, body: string, secret: string, toleranceSeconds = 300, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sigs = headers['webhook-signature'];
  if (!id || !ts || !sigs || !/^\d+$/.test(ts) || Math.abs(nowSeconds - Number(ts)) > toleranceSeconds) return false;
  const expected = Buffer.from(createHmac('sha256', keyOf(secret)).update(`${id}.${ts}.${body}`).digest('base64'));
  return sigs.split(' ').some((s) => {
    const [version, sig] = s.split(',');
    if (version !== 'v1' || !sig) return false;
    const got = Buffer.from(sig);
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}

/** A throwaway secret, for signing dry-run previews of actions that have none configured. */
export function ephemeralSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
