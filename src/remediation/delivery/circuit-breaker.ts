import { remediationMetrics as m } from '../remediation.metrics.js';

interface State {
  failures: number;
  openUntil: number;
}

/**
 * One breaker per endpoint (URL origin): after `threshold` consecutive failures the endpoint is
 * not called for `resetMs`; then one call is let through (half-open) — success closes it, failure
 * opens it again. Keeps a dead receiver from eating every action's retries and our sockets.
 */
export class CircuitBreakers {
  private readonly states = new Map<string, State>();

  constructor(
    private readonly threshold: number,
    private readonly resetMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** 0 when a call may go now, else the ms until the endpoint may be tried again. */
  waitMs(endpoint: string): number {
    const s = this.states.get(endpoint);
    if (!s || s.openUntil === 0) return 0;
    const wait = s.openUntil - this.now();
    if (wait > 0) return wait;
    // Half-open: this caller probes; others wait until it reports.
    s.openUntil = this.now() + this.resetMs;
    return 0;
  }

  success(endpoint: string): void {
    this.states.set(endpoint, { failures: 0, openUntil: 0 });
    m.circuitOpen.labels(endpoint).set(0);
  }

  failure(endpoint: string): void {
    const s = this.states.get(endpoint) ?? { failures: 0, openUntil: 0 };
    s.failures += 1;
    if (s.failures >= this.threshold) {
      s.openUntil = this.now() + this.resetMs;
      m.circuitOpen.labels(endpoint).set(1);
    }
    this.states.set(endpoint, s);
  }

  isOpen(endpoint: string): boolean {
    const s = this.states.get(endpoint);
    return !!s && s.openUntil > this.now();
  }
}
