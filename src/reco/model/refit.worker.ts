/** Worker-thread entry of a background refit: solves the EASE model it is given and posts P back. */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { solveEase } from './ease-solve.js';
import type { RefitWorkerInput } from './solve-in-worker.js';

const { n, rows, reg } = workerData as RefitWorkerInput;
// The lowest CPU priority for this thread alone (Linux: /proc/thread-self names its task id), so
// a refit takes only the CPU that serving, consuming and the broker leave. Elsewhere it runs as is.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').at(-1)), 19);
} catch {
  // not Linux, or not permitted
}
const solution = solveEase(n, rows, reg);
parentPort!.postMessage(solution, [solution.p.buffer]);
