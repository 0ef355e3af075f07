import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildWatch } from './child-watch.js';
import { until } from './until.js';
import { stateEnv } from './vigil-process.js';

/**
 * `npm start -- <args>` as a newcomer runs it in a terminal: npm, its shell and Vigil in a process
 * group of their own, so `interrupt()` is what Ctrl-C does (SIGINT to the whole group). The raw
 * output is kept as written (colour codes included); the watch reports the group leader's exit
 * code, signal and last lines if it dies unasked or a wait runs out.
 */
export class NpmStart {
  readonly child: ChildProcess;
  readonly watch: ChildWatch;
  /** Everything written to stdout and stderr, byte for byte. */
  raw = '';
  readonly stateDir = mkdtempSync(join(tmpdir(), 'vigil-console-state-'));

  constructor(args: string[], env: Record<string, string | undefined>) {
    const base: Record<string, string | undefined> = { ...process.env };
    // The test runner's own settings are not a newcomer's.
    for (const k of ['NO_COLOR', 'FORCE_COLOR', 'KAFKA_BROKERS', 'VIGIL_DEMO']) delete base[k];
    this.child = spawn('npm', ['start', '--', ...args], {
      detached: true,
      env: {
        ...base,
        ...stateEnv(this.stateDir),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [this.child.stdout, this.child.stderr]) s?.setEncoding('utf8').on('data', (d: string) => (this.raw += d));
    this.watch = new ChildWatch(`npm start -- ${args.join(' ')}`, this.child);
  }

  /** Output lines, colour codes stripped (the watch strips them; `raw` keeps them). */
  lines(): string[] {
    return this.watch.output.split('\n').filter((l) => l.trim() !== '');
  }

  until(cond: () => boolean | Promise<boolean>, ms: number, what: string | (() => string)): Promise<void> {
    return until(cond, ms, what, this.watch);
  }

  /**
   * Ctrl-C: SIGINT to the group; resolves once every process of it has closed its end of the
   * output pipes (npm may exit before the Vigil process it started has finished stopping).
   */
  async interrupt(ms: number): Promise<void> {
    this.watch.expectExit();
    let closed = this.child.stdout?.closed === true && this.child.stderr?.closed === true;
    this.child.once('close', () => (closed = true));
    if (!this.watch.exited) process.kill(-this.child.pid!, 'SIGINT');
    await until(() => closed, ms, 'npm start and the processes it started to close their output after SIGINT');
  }

  /** SIGKILL to whatever is left of the group (after a failure), and the state directory removed. */
  dispose(): void {
    this.watch.forget();
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}
