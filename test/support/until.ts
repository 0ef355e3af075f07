import { watchedReports, type ChildWatch } from './child-watch.js';

/**
 * Polls `cond` (observable state, never the clock) until it holds. `ms` is only a bound on a
 * wait that would otherwise hang: when it passes, the error names `what` and reports every child
 * process the tests started (exit code, signal, last lines). With `child`, a wait on that child
 * fails as soon as it dies instead of waiting out the bound.
 */
export async function until(cond: () => boolean | Promise<boolean>, ms: number, what = 'condition', child?: ChildWatch): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (child?.exited) throw new Error(`waiting for ${what}, but ${child.report()}`);
    if (Date.now() > end) throw new Error([`timed out after ${ms} ms waiting for ${what}`, ...watchedReports()].join('\n'));
    await new Promise((r) => setTimeout(r, 50));
  }
}
