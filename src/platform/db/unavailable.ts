/**
 * Is this error "the database is not reachable right now" (retry later) rather than a bug or a
 * bad record? Connection errors of node and of PostgreSQL (SQLSTATE class 08, shutdown, too many
 * connections). The consumer holds its batch on these instead of dead-lettering good records.
 */
export function storeUnavailable(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN'].includes(code)) return true;
  if (code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code)) return true;
  const msg = typeof err?.message === 'string' ? err.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|connection error|not queryable/i.test(msg);
}

/**
 * Runs `task` until it succeeds, waiting (with backoff and heartbeats) while the store is
 * unavailable — judged by the error, or, for an error it does not recognise, by `ping` failing.
 */
export async function whileUnavailable<T>(
  task: () => Promise<T>,
  ctx: { heartbeat(): Promise<void>; isRunning(): boolean },
  warn: (message: string) => void,
  ping: () => Promise<boolean>,
): Promise<T> {
  let delay = 200;
  let warned = false;
  for (;;) {
    try {
      const out = await task();
      if (warned) warn('PostgreSQL is back: going on with the batch');
      return out;
    } catch (e) {
      if (!ctx.isRunning() || !(storeUnavailable(e) || !(await ping()))) throw e;
      if (!warned) warn(`PostgreSQL unavailable (${(e as Error).message}): holding the batch, nothing committed, until it is back`);
      warned = true;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
      await ctx.heartbeat();
    }
  }
}
