import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EaseRegularisation, EaseSolution, PackedRows } from './ease-solve.js';

/** What the worker (`refit.worker.ts`) is given. */
export interface RefitWorkerInput {
  n: number;
  rows: PackedRows;
  reg: EaseRegularisation;
}

/** A solve running on a worker thread; `terminate` abandons it. */
export interface WorkerSolve {
  result: Promise<EaseSolution>;
  terminate(): Promise<void>;
}

// Run from the build, the worker is a .js file and inherits the process's flags. Run from
// source (tsx, vitest), it is TypeScript: the worker thread loads it through tsx, found from
// this file so that the working directory does not matter.
const fromSource = import.meta.url.endsWith('.ts');
const WORKER = new URL(`./refit.worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
const execArgv = fromSource ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : undefined;

/**
 * Solve EASE on a worker thread, so the O(n³) inversion does not hold up the event loop that
 * answers requests. The rows' buffers move to the worker (the caller must not reuse them); P
 * moves back. The worker does not keep the process alive.
 */
export function solveInWorker(n: number, rows: PackedRows, reg: EaseRegularisation): WorkerSolve {
  const input: RefitWorkerInput = { n, rows, reg: { l2: reg.l2, dropout: reg.dropout } };
  const worker = new Worker(WORKER, { workerData: input, transferList: [rows.start.buffer, rows.idx.buffer, rows.val.buffer], execArgv });
  worker.unref();
  const result = new Promise<EaseSolution>((resolve, reject) => {
    worker.once('message', resolve);
    worker.on('error', reject);
    worker.once('exit', (code) => reject(new Error(`refit worker exited with code ${code} before it answered`)));
  });
  return { result, terminate: async () => void (await worker.terminate()) };
}
