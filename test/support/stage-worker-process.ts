import { spawn, type ChildProcess } from 'node:child_process';

/** test/support/stage-worker.ts (or another worker `script`) in its own process: its progress, and a promise for when it consumes. */
export function startWorker(config: object, script = 'test/support/stage-worker.ts'): { child: ChildProcess; batches: () => number; ready: Promise<void>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let batches = 0;
  let output = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    for (const line of chunk.split('\n')) {
      if (line === 'ready') onReady();
      const m = /^batches (\d+)/.exec(line);
      if (m) batches = Number(m[1]);
    }
  });
  return { child, batches: () => batches, ready, output: () => output };
}
