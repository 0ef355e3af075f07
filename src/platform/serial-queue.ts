/**
 * Runs tasks one at a time, in call order: what shares state across awaits (a batch in hand,
 * a rebalance, a file) never sees another task half done. A task that fails rejects its own
 * caller only; the next one still runs.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const next = this.tail.then(task);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Settles (never rejects) once every task queued so far has. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
