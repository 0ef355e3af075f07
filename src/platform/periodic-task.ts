/**
 * A task run every `everyMs` (a service's sweep: expiries, resolutions, outbox flushes), never
 * two runs at once; a failure is logged once per distinct message, so an outage does not log
 * every tick, and the task is simply tried again at the next one.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastError: string | undefined;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly warn: (message: string) => void,
  ) {}

  start(everyMs: number): void {
    this.timer = setInterval(() => void this.run(), everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.task();
      this.lastError = undefined;
    } catch (e) {
      const msg = (e as Error).message;
      if (msg !== this.lastError) this.warn(`sweep failed (retried every tick): ${msg}`);
      this.lastError = msg;
    } finally {
      this.running = false;
    }
  }
}
