import { describe, expect, it } from 'vitest';
import { Coalescer } from './coalescer.js';

describe('Coalescer', () => {
  it('sends the first caller at once and merges those that arrive meanwhile into one next request', async () => {
    const requests: number[][] = [];
    let release!: () => void;
    const c = new Coalescer<number>(async (items) => {
      requests.push(items);
      if (requests.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = c.add([1]);
    expect(requests).toEqual([[1]]);
    const rest = [c.add([2]), c.add([3, 4])];
    expect(requests).toHaveLength(1);
    release();
    await Promise.all([first, ...rest]);
    expect(requests).toEqual([[1], [2, 3, 4]]);
  });

  it('fails every caller merged into a failed request, and goes on with the next ones', async () => {
    let calls = 0;
    let release!: () => void;
    const c = new Coalescer<string>(async (items) => {
      calls++;
      if (calls === 1) await new Promise<void>((r) => (release = r));
      if (items.includes('bad')) throw new Error('refused');
    });
    const first = c.add(['ok']);
    const merged = [c.add(['bad']), c.add(['innocent'])].map((p) => p.then(() => 'done', (e: Error) => e.message));
    release();
    await first;
    expect(await Promise.all(merged)).toEqual(['refused', 'refused']);
    await expect(c.add(['later'])).resolves.toBeUndefined();
  });

  it('with gather, callers of the same event-loop turn (microtasks included) share the first request', async () => {
    const requests: number[][] = [];
    const c = new Coalescer<number>(async (items) => void requests.push(items), { gather: true });
    const calls = [c.add([1]), Promise.resolve().then(() => c.add([2])), c.add([3])];
    expect(requests).toEqual([]);
    await Promise.all(calls);
    expect(requests).toEqual([[1, 3, 2]]);
    await c.add([4]);
    expect(requests).toEqual([[1, 3, 2], [4]]);
  });
});
