/**
 * Per-tenant token buckets counted in samples. A request is let through while its tenant's
 * bucket is not empty and may take it below zero (a batch larger than the burst still passes
 * once); the debt is paid back at the rate before the next request passes. Retry-After says when.
 */
export class TenantRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.ratePerSecond > 0;
  }

  /** Takes `samples` from the tenant's bucket; `retryAfterSeconds` when the bucket is empty. */
  take(tenant: string, samples: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    if (!this.enabled) return { ok: true };
    const now = this.clock();
    const capacity = Math.max(this.burst, 1);
    const b = this.buckets.get(tenant) ?? { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * this.ratePerSecond);
    b.at = now;
    this.buckets.set(tenant, b);
    if (b.tokens <= 0) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((-b.tokens + 1) / this.ratePerSecond)) };
    b.tokens -= samples;
    return { ok: true };
  }
}
