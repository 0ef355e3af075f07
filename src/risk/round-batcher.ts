/**
 * Runs the calls made in one turn of the event loop as one: the partition batches of a fetch
 * round reach the handler side by side (`partitionsConsumedConcurrently`), each on its own
 * promise chain, and without this each would make its own model call. Calls are gathered until
 * `setImmediate` (every call started in this turn, microtasks included, has joined by then), then
 * `run` gets all their items at once, in call order, and each caller gets its own slice back.
 *
 * If the joint run throws and more than one caller joined, each caller's items are run again on
 * their own, so one caller's bad input fails that caller only (the platform then retries and
 * isolates its records) and never the batches it happened to travel with.
 */
export class RoundBatcher<I, O> {
  private waiting: Array<{ items: I[]; done: (out: O[]) => void; fail: (err: unknown) => void }> = [];
  private scheduled = false;

  constructor(private readonly run: (items: I[]) => O[]) {}

  add(items: I[]): Promise<O[]> {
    return new Promise((done, fail) => {
      this.waiting.push({ items, done, fail });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const callers = this.waiting;
    this.waiting = [];
    this.scheduled = false;
    const alone = (c: (typeof callers)[number]) => {
      try {
        c.done(this.run(c.items));
      } catch (err) {
        c.fail(err);
      }
    };
    if (callers.length === 1) return alone(callers[0]!);
    let out: O[];
    try {
      out = this.run(callers.flatMap((c) => c.items));
    } catch {
      callers.forEach(alone);
      return;
    }
    let at = 0;
    for (const c of callers) {
      c.done(out.slice(at, at + c.items.length));
      at += c.items.length;
    }
  }
}
