/**
 * Group commit for broker requests: callers that arrive while a request is in flight are
 * merged into the next one, so partitions processed side by side share one produce (or one
 * offset commit) round trip instead of queueing one round trip each. The first caller goes
 * at once (no timer, no added latency) or, with `gather`, at the end of the current event-loop
 * turn (`setImmediate`), taking every caller of that turn with it; a failed request fails every
 * caller merged into it.
 */
export class Coalescer<T> {
  private waiting: Array<{ items: T[]; done: () => void; fail: (err: unknown) => void }> = [];
  private busy = false;

  constructor(
    private readonly flush: (items: T[]) => Promise<void>,
    private readonly options: { gather?: boolean } = {},
  ) {}

  add(items: T[]): Promise<void> {
    return new Promise((done, fail) => {
      this.waiting.push({ items, done, fail });
      if (this.busy) return;
      this.busy = true;
      if (this.options.gather) setImmediate(() => void this.drain());
      else void this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const callers = this.waiting;
      this.waiting = [];
      try {
        await this.flush(callers.flatMap((c) => c.items));
        for (const c of callers) c.done();
      } catch (err) {
        for (const c of callers) c.fail(err);
      }
    }
    this.busy = false;
  }
}
