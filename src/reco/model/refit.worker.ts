/** Worker-thread entry of a background refit: solves the EASE model it is given and posts P back. */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { solveEase } from './ease-solve.js';
import type { RefitWorkerInput } from './solve-in-worker.js';

const { n, rows, reg } = workerData as RefitWorkerInput;
// A low CPU priority for this thread alone (Linux: /proc/thread-self names its task id): serving,
// consuming and the broker come first, yet on a host whose cores are all busy a refit still gets
// a share, which at nice 19 it hardly did (src/reco/README.md). Elsewhere it runs as is.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').at(-1)), 10);
} catch {
  // not Linux, or not permitted
}
const solution = solveEase(n, rows, reg);
parentPort!.postMessage(solution, [solution.p.buffer]);
