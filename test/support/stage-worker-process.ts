import { spawn, type ChildProcess } from 'node:child_process';
import { ChildWatch } from './child-watch.js';

/**
 * test/support/stage-worker.ts (or another worker `script`) in its own process: its progress,
 * and a promise for when it consumes. Watched (see ChildWatch): should it die unasked, its exit
 * and last lines are printed.
 */
export function startWorker(
  config: object,
  script = 'test/support/stage-worker.ts',
): { child: ChildProcess; watch: ChildWatch; batches: () => number; ready: Promise<void>; output: () => string; kill: (signal: NodeJS.Signals) => Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const watch = new ChildWatch('stage worker', child);
  let batches = 0;
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    child.once('exit', () => reject(new Error(`worker died before it was ready: ${watch.report()}`)));
  });
  child.stdout!.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (line === 'ready') onReady();
      const m = /^batches (\d+)/.exec(line);
      if (m) batches = Number(m[1]);
    }
  });
  /** A signal the test sends on purpose; resolves with the exit code once it is gone. */
  const kill = async (signal: NodeJS.Signals) => {
    watch.forget();
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill(signal);
    return exited;
  };
  return { child, watch, batches: () => batches, ready, output: () => watch.output, kill };
}
