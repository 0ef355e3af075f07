/**
 * A webhook URL as it may be recorded or shown: in action rows, `aiops.remediations` events, the
 * API, logs, spans and dead letters. Only the request itself uses the URL from the rule.
 */

/** `url` with its credentials taken out: user and password dropped, every query value `redacted`, no fragment. */
export function withoutSecrets(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '[unparseable url]';
  }
  u.username = '';
  u.password = '';
  for (const name of new Set(u.searchParams.keys())) u.searchParams.set(name, 'redacted');
  u.hash = '';
  return u.toString();
}

/** `text` (an error message, a reason) with every occurrence of `url` replaced by `withoutSecrets(url)`. */
export function withoutUrlSecrets(text: string, url: string): string {
  return url ? text.split(url).join(withoutSecrets(url)) : text;
}
