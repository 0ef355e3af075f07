import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ActionStore, Lease } from './store/store.js';

/** This process's name on the leases it holds: host and pid (an operator can find it), and a nonce (a restart is someone else). */
export function processOwner(): string {
  return `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
}

/**
 * The leases one process holds on the actions it works on (planned, approved, executing): taken
 * with `lease()`, renewed together every third of their length, dropped at a clean stop so another
 * process need not wait them out. A process that dies stops renewing; after `leaseMs` its actions
 * are orphans another process adopts.
 */
export class LeaseHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private failing: string | undefined;

  constructor(
    private readonly store: ActionStore,
    readonly owner: string,
    private readonly leaseMs: number,
    private readonly now: () => number,
    private readonly warn: (message: string) => void,
  ) {}

  lease(): Lease {
    return { owner: this.owner, until: this.now() + this.leaseMs };
  }

  start(): void {
    this.timer ??= setInterval(() => void this.renew(), Math.max(100, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  async renew(): Promise<void> {
    try {
      await this.store.renewLeases(this.owner, this.now() + this.leaseMs);
      this.failing = undefined;
    } catch (e) {
      // Once per distinct problem: an outage would say it every tick.
      const msg = (e as Error).message;
      if (msg !== this.failing) this.warn(`could not renew the leases of ${this.owner} (other processes take its actions after ${this.leaseMs} ms): ${msg}`);
      this.failing = msg;
    }
  }

  /** At a clean stop: this process's unfinished actions become orphans at once. */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.store.renewLeases(this.owner, 0).catch(() => undefined);
  }
}
