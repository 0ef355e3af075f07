/**
 * Concurrency slots: a global cap and an optional cap per rule. `acquire` waits (FIFO) until both
 * have room; it resolves undefined if `signal` aborts first.
 */
export class Slots {
  private total = 0;
  private readonly perRule = new Map<string, number>();
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  get inUse(): number {
    return this.total;
  }

  async acquire(rule: string, ruleMax: number | undefined, signal: AbortSignal): Promise<(() => void) | undefined> {
    while (!this.fits(rule, ruleMax)) {
      if (signal.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.waiting.push(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    if (signal.aborted) return undefined;
    this.total += 1;
    this.perRule.set(rule, (this.perRule.get(rule) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      this.perRule.set(rule, this.perRule.get(rule)! - 1);
      // Wake everyone: each re-checks its own rule's room (waiters are few).
      for (const w of this.waiting.splice(0)) w();
    };
  }

  private fits(rule: string, ruleMax: number | undefined): boolean {
    return this.total < this.max && (ruleMax === undefined || (this.perRule.get(rule) ?? 0) < ruleMax);
  }
}
