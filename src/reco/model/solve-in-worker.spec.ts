import { describe, expect, it } from 'vitest';
import { packRows, solveEase } from './ease-solve.js';
import { solveInWorker } from './solve-in-worker.js';

const rows = () =>
  packRows([
    { idx: [0, 1, 2], val: [1, 1, 1] },
    { idx: [1, 3], val: [1, 2] },
    { idx: [0, 3, 4], val: [1, 1, 1] },
  ]);

describe('solveInWorker', () => {
  it('solves on a worker thread exactly as on this one', async () => {
    const reg = { l2: 1, dropout: 0.2 };
    const here = solveEase(5, rows(), reg);
    const there = await solveInWorker(5, rows(), reg).result;
    expect(there.dropoutRatio).toBe(here.dropoutRatio);
    expect(Array.from(there.p)).toEqual(Array.from(here.p));
  });

  it("rejects with the worker's error", async () => {
    await expect(solveInWorker(5, rows(), { l2: 0, dropout: 0 }).result).rejects.toThrow(/l2 must be positive/);
  });

  it('rejects once terminated', async () => {
    const solve = solveInWorker(5, rows(), { l2: 1, dropout: 0 });
    await solve.terminate();
    await expect(solve.result).rejects.toThrow(/exited with code/);
  });
});
