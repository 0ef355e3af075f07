import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildWatch } from './child-watch.js';
import { until } from './until.js';

/** Where a Vigil process keeps its state (models, log templates, embedded changelogs), all under `dir`. */
export function stateEnv(dir: string): Record<string, string> {
  return {
    DETECTOR_MODEL_DIR: join(dir, 'detector-models'),
    LOGS_TEMPLATE_DIR: join(dir, 'log-templates'),
    PREDICTOR_MODEL_DIR: join(dir, 'predictor-models'),
    VIGIL_STATE_DIR: join(dir, 'changelogs'),
  };
}

/**
 * `vigil start ...` as a child process, from the build (NestJS needs its decorator metadata) of
 * this checkout, or of another one in `cwd` (a benchmark's "before"). Should it die unasked, its
 * exit code, signal and last lines are printed (see ChildWatch), and waits name them.
 */
export class VigilProcess {
  readonly child: ChildProcess;
  readonly watch: ChildWatch;
  /** Each process gets its own, empty state (models, log templates, embedded changelogs) unless the test names one. */
  readonly stateDir = mkdtempSync(join(tmpdir(), 'vigil-test-state-'));

  constructor(args: string[], env: Record<string, string>, options: { cwd?: string } = {}) {
    this.child = spawn(process.execPath, ['dist/main.js', ...args], {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: {
        ...process.env,
        NO_COLOR: '1',
        ...stateEnv(this.stateDir),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.watch = new ChildWatch(`vigil ${args.join(' ')}`, this.child);
  }

  /** Everything the process wrote to stdout and stderr so far. */
  get output(): string {
    return this.watch.output;
  }

  /** Exit code, signal and last lines of output (for a failure message). */
  report(): string {
    return this.watch.report();
  }

  /** Waits for `cond`; fails at once, with the report, if the process dies first. */
  until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
    return until(cond, ms, what, this.watch);
  }

  /**
   * Waits for the line Vigil logs once its HTTP server listens. A service's consumers start during
   * Nest's init, before `listen`, so a consumer's "consuming" line does not mean /metrics answers.
   */
  serving(ms = 45_000): Promise<void> {
    return this.until(() => /running .*http:\/\/localhost:\d+\/metrics/.test(this.output), ms, 'the HTTP server');
  }

  /** A signal the test sends on purpose (a crash it is about): not reported as a death. */
  kill(signal: NodeJS.Signals): void {
    this.watch.expectExit();
    this.child.kill(signal);
  }

  /** SIGTERM, then the exit code (null if it had to be killed after `ms`, or was ended by a signal before). */
  async stop(ms = 30_000): Promise<number | null> {
    this.watch.forget();
    // Already gone (an exit code, or a signal such as a test's SIGKILL): no 'exit' will come again.
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      rmSync(this.stateDir, { recursive: true, force: true });
      return this.child.exitCode;
    }
    const exited = new Promise<number | null>((r) => this.child.once('exit', (code) => r(code)));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    const code = await exited;
    clearTimeout(timer);
    rmSync(this.stateDir, { recursive: true, force: true });
    return code;
  }
}
