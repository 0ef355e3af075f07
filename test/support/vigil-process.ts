import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './until.js';

/**
 * `vigil start ...` as a child process, from the build (NestJS needs its decorator metadata) of
 * this checkout, or of another one in `cwd` (a benchmark's "before").
 */
export class VigilProcess {
  readonly child: ChildProcess;
  output = '';
  /** Each process gets its own, empty state (models, log templates, embedded changelogs) unless the test names one. */
  readonly stateDir = mkdtempSync(join(tmpdir(), 'vigil-test-state-'));

  constructor(args: string[], env: Record<string, string>, options: { cwd?: string } = {}) {
    this.child = spawn(process.execPath, ['dist/platform/cli/main.js', ...args], {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: {
        ...process.env,
        NO_COLOR: '1',
        DETECTOR_MODEL_DIR: join(this.stateDir, 'detector-models'),
        LOGS_TEMPLATE_DIR: join(this.stateDir, 'log-templates'),
        PREDICTOR_MODEL_DIR: join(this.stateDir, 'predictor-models'),
        VIGIL_STATE_DIR: join(this.stateDir, 'changelogs'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Colour codes stripped, should a logger add them anyway.
    for (const s of [this.child.stdout!, this.child.stderr!]) {
      s.setEncoding('utf8').on('data', (d: string) => (this.output += d.replace(/\x1b\[[0-9;]*m/g, '')));
    }
  }

  /**
   * Waits for the line Vigil logs once its HTTP server listens. A service's consumers start during
   * Nest's init, before `listen`, so a consumer's "consuming" line does not mean /metrics answers.
   */
  async serving(ms = 45_000): Promise<void> {
    await until(() => /running .*http:\/\/localhost:\d+\/metrics/.test(this.output) || this.child.exitCode !== null, ms, 'the HTTP server');
    if (this.child.exitCode !== null) throw new Error(`vigil exited ${this.child.exitCode}:\n${this.output}`);
  }

  /** SIGTERM, then the exit code (null if it had to be killed after `ms`, or was ended by a signal before). */
  async stop(ms = 30_000): Promise<number | null> {
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
