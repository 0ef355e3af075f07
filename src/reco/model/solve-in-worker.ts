import { Worker } from 'node:worker_threads';
import type { EaseRegularisation, EaseSolution, PackedRows } from './ease-solve.js';

/** A solve running on a worker thread; `terminate` abandons it (its result then rejects). */
export interface WorkerSolve {
  result: Promise<EaseSolution>;
  terminate(): Promise<void>;
}

// Run from the build the worker is a .js file; run from source (tsx, vitest) it is TypeScript,
// which the worker thread loads through tsx as the parent did.
const fromSource = import.meta.url.endsWith('.ts');
const WORKER = new URL(`./refit.worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);

/**
 * Solve EASE on a worker thread, so the O(n³) inversion does not hold up the event loop that
 * answers requests. The rows' buffers move to the worker (the caller must not reuse them); P
 * moves back. The worker does not keep the process alive.
 */
export function solveInWorker(n: number, rows: PackedRows, reg: EaseRegularisation): WorkerSolve {
  const worker = new Worker(WORKER, {
    workerData: { n, rows, reg: { l2: reg.l2, dropout: reg.dropout } },
    transferList: [rows.start.buffer, rows.idx.buffer, rows.val.buffer],
    execArgv: fromSource ? ['--import', 'tsx'] : [],
  });
  worker.unref();
  const result = new Promise<EaseSolution>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`refit worker exited with code ${code} before it answered`)));
  });
  return { result, terminate: async () => void (await worker.terminate()) };
}
