import { withoutSecrets } from './delivery/redact-url.js';
import type { buildRequest } from './delivery/webhook-sender.js';

/** The request a dry run would have sent, for the log: credentials in headers and the URL redacted. */
export function previewRequest(req: ReturnType<typeof buildRequest>): string {
  const headers = Object.entries(req.headers)
    .map(([k, v]) => `${k}: ${/^(authorization|cookie|x-api-key)$/i.test(k) ? '[redacted]' : v}`)
    .join('\n    ');
  return `POST ${withoutSecrets(req.url)}\n    ${headers}\n\n    ${req.body}`;
}
