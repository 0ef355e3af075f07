import type { ChildProcess } from 'node:child_process';

/** Lines of a child's output a report shows. */
const TAIL_LINES = 40;

/** Every child a test started and has not stopped: a failed wait names what became of each. */
const watched = new Set<ChildWatch>();

/**
 * A child process a test started, with its output, and how it ended. When it dies without the
 * test asking (not stop(), not a deliberate kill) its exit code, signal and last lines are printed
 * at once, so a later "connection refused" or timeout has its cause next to it.
 */
export class ChildWatch {
  output = '';
  /** Set by whoever ends the child on purpose; an exit then is no news. */
  private expected = false;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    watched.add(this);
    // Colour codes stripped, should a logger add them anyway.
    for (const s of [child.stdout, child.stderr]) s?.setEncoding('utf8').on('data', (d: string) => (this.output += d.replace(/\x1b\[[0-9;]*m/g, '')));
    child.once('exit', () => {
      if (!this.expected) console.error(`${this.report()}\n(it was not asked to stop)`);
    });
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** The test ends the child itself from here on (stop, or a kill that is the point of the test). */
  expectExit(): void {
    this.expected = true;
  }

  /** Done with: no longer named in reports. */
  forget(): void {
    this.expectExit();
    watched.delete(this);
  }

  /** Name, pid, state (running, exit code or signal) and the last lines of output. */
  report(lines = TAIL_LINES): string {
    const c = this.child;
    const state = c.signalCode !== null ? `killed by ${c.signalCode}` : c.exitCode !== null ? `exited with code ${c.exitCode}` : 'still running';
    const tail = this.output.trimEnd().split('\n').slice(-lines).join('\n  ');
    return `${this.name} (pid ${c.pid ?? '?'}): ${state}; last ${lines} lines of its output:\n  ${tail}`;
  }
}

/** Reports of every child still watched (for a wait that timed out). */
export function watchedReports(): string[] {
  return [...watched].map((w) => w.report());
}
