import { context as otelContext, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import { injectContext } from '../../platform/tracing/propagator.js';
import { tracer } from '../../platform/tracing/tracing.js';
import { remediationMetrics as m } from '../remediation.metrics.js';
import type { DeliveryOptions } from '../options.js';
import { sleep } from '../sleep.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import { withoutSecrets, withoutUrlSecrets } from './redact-url.js';
import { sign } from '../../platform/webhooks/signing.js';

export interface WebhookRequest {
  /** webhook-id: the action id, the same on every attempt so the receiver can drop repeats. */
  id: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  secrets: readonly string[];
  timeoutMs: number;
  /** Parent of the request's span (the incident event's trace). */
  trace?: Context;
}

export interface AttemptFailure {
  attempt: number;
  reason: string;
  statusCode?: number;
  /** True when no further attempt will be made. */
  final: boolean;
}

export const STOPPING = 'stopping';

export type DeliveryResult = { ok: true; attempts: number; statusCode: number } | { ok: false; attempts: number; reason: string; statusCode?: number };

/** The full request an action sends: what dry-run logs, and what each attempt sends (re-signed with a fresh timestamp). */
export function buildRequest(req: WebhookRequest, nowMs = Date.now()): { method: 'POST'; url: string; headers: Record<string, string>; body: string } {
  const signed = sign(req.id, Math.floor(nowMs / 1000), req.body, req.secrets);
  return {
    method: 'POST',
    url: req.url,
    headers: { 'content-type': 'application/json', 'user-agent': 'vigil-remediation/1', ...req.headers, 'idempotency-key': req.id, ...signed },
    body: req.body,
  };
}

/**
 * Delivers one signed request: timeout per attempt, retries with exponential backoff and full
 * jitter on timeouts, network errors, 408, 429 and 5xx, the endpoint's circuit breaker, and a
 * W3C traceparent from a client span per attempt. Other 4xx are final (retrying cannot help).
 */
export class WebhookSender {
  constructor(
    private readonly options: DeliveryOptions,
    private readonly breakers: CircuitBreakers,
    private readonly stopping: AbortSignal,
  ) {}

  async deliver(req: WebhookRequest, onFailure: (f: AttemptFailure) => Promise<void>): Promise<DeliveryResult> {
    const endpoint = new URL(req.url).origin;
    let last: { reason: string; statusCode?: number } = { reason: 'not attempted' };
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      const wait = this.breakers.waitMs(endpoint);
      if (wait > 0) {
        last = { reason: `circuit open for ${endpoint}` };
      } else {
        const r = await this.attempt(req, endpoint, attempt);
        if (r.ok) return { ok: true, attempts: attempt, statusCode: r.statusCode };
        last = { reason: r.reason, ...(r.statusCode !== undefined ? { statusCode: r.statusCode } : {}) };
        if (!r.retryable) {
          await onFailure({ attempt, ...last, final: true });
          return { ok: false, attempts: attempt, ...last };
        }
      }
      // Stopping is not a failure: the action stays `executing` and the next start resumes it.
      if (this.stopping.aborted) return { ok: false, attempts: attempt, reason: STOPPING };
      const final = attempt === this.options.maxAttempts;
      await onFailure({ attempt, ...last, final });
      if (final) return { ok: false, attempts: attempt, ...last };
      const backoff = Math.min(this.options.backoffMaxMs, this.options.backoffMs * 2 ** (attempt - 1));
      await sleep(Math.max(wait, Math.random() * backoff), this.stopping);
      if (this.stopping.aborted) return { ok: false, attempts: attempt, reason: STOPPING };
    }
    return { ok: false, attempts: this.options.maxAttempts, ...last };
  }

  private async attempt(req: WebhookRequest, endpoint: string, attempt: number): Promise<{ ok: true; statusCode: number } | { ok: false; retryable: boolean; reason: string; statusCode?: number }> {
    const span = tracer().startSpan(`POST ${endpoint}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'http.request.method': 'POST', 'url.full': withoutSecrets(req.url), 'http.request.resend_count': attempt - 1, 'vigil.webhook.id': req.id },
    }, req.trace ?? otelContext.active());
    const built = buildRequest(req);
    injectContext(trace.setSpan(req.trace ?? otelContext.active(), span), built.headers);
    const started = performance.now();
    const timeout = AbortSignal.timeout(req.timeoutMs);
    try {
      const res = await fetch(req.url, { method: 'POST', headers: built.headers, body: built.body, signal: AbortSignal.any([timeout, this.stopping]), redirect: 'manual' });
      await res.arrayBuffer().catch(() => undefined);
      m.webhookDuration.labels(`${Math.floor(res.status / 100)}xx`).observe((performance.now() - started) / 1000);
      span.setAttribute('http.response.status_code', res.status);
      if (res.status >= 200 && res.status < 300) {
        this.breakers.success(endpoint);
        return { ok: true, statusCode: res.status };
      }
      span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${res.status}` });
      const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
      if (retryable) this.breakers.failure(endpoint);
      return { ok: false, retryable, reason: `HTTP ${res.status}`, statusCode: res.status };
    } catch (e) {
      const timedOut = timeout.aborted;
      m.webhookDuration.labels(timedOut ? 'timeout' : 'error').observe((performance.now() - started) / 1000);
      // The error may quote the URL (fetch refuses one with user:password in it, naming it): the reason is recorded, so cleaned.
      const reason = timedOut
        ? `timed out after ${req.timeoutMs} ms`
        : this.stopping.aborted
          ? STOPPING
          : withoutUrlSecrets(`request failed: ${(e as Error).cause ? String((e as Error).cause) : (e as Error).message}`, req.url);
      span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
      this.breakers.failure(endpoint);
      return { ok: false, retryable: true, reason };
    } finally {
      span.end();
    }
  }
}
