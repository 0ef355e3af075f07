import { watchedReports, type ChildWatch } from './child-watch.js';

/**
 * Polls `cond` (observable state, never the clock) until it holds. `ms` is only a bound on a
 * wait that would otherwise hang: when it passes, the error names `what` and reports every child
 * process the tests started (exit code, signal, last lines). With `child`, a wait on that child
 * fails as soon as it dies instead of waiting out the bound. `what` may be a function, for a
 * description of the state the wait ended in.
 */
export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string | (() => string) = 'condition', child?: ChildWatch): Promise<void> {
  const end = Date.now() + ms;
  const describe = () => (typeof what === 'string' ? what : what());
  while (!(await cond())) {
    if (child?.exited) throw new Error(`waiting for ${describe()}, but ${child.report()}`);
    if (Date.now() > end) throw new Error([`timed out after ${ms} ms waiting for ${describe()}`, ...watchedReports()].join('\n'));
    await new Promise((r) => setTimeout(r, 50));
  }
}
