import type { Finding } from './types.js';

/**
 * One log line for the findings a silence or an inhibition kept out: the first of each
 * (suppressor, entity), then at most one a minute with how many more there were, so a silenced
 * entity that keeps firing does not flood the log.
 */
export class SuppressedLog {
  private readonly seen = new Map<string, { at: number; more: number }>();

  constructor(
    private readonly print: (line: string) => void,
    private readonly everyMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** `by` is `silenced:<silence id>` or `inhibited:<kind>@<entity>`. */
  note(f: Finding, by: string): void {
    const key = `${by}|${f.entity}`;
    const last = this.seen.get(key);
    const now = this.now();
    if (last && now - last.at < this.everyMs) {
      last.more++;
      return;
    }
    if (this.seen.size > 10_000) this.seen.clear();
    this.seen.set(key, { at: now, more: 0 });
    const [what, id] = [by.slice(0, by.indexOf(':')), by.slice(by.indexOf(':') + 1)];
    const why = what === 'silenced' ? `silenced by ${id}` : `inhibited by a live ${id}`;
    const more = last && last.more > 0 ? ` (and ${last.more} more on ${f.entity} since the last line)` : '';
    this.print(`finding ${f.id} (${f.kind}) on ${f.entity} ${why}: no incident${more}`);
  }
}
