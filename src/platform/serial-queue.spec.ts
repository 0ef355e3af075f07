import { describe, expect, it } from 'vitest';
import { SerialQueue } from './serial-queue.js';

describe('SerialQueue', () => {
  it('runs tasks one at a time in call order, a failure rejecting only its own caller', async () => {
    const q = new SerialQueue();
    const seen: string[] = [];
    const slow = q.run(async () => {
      seen.push('a start');
      await new Promise((r) => setTimeout(r, 10));
      seen.push('a end');
      return 1;
    });
    const failing = q.run(() => {
      seen.push('b');
      throw new Error('b failed');
    });
    const sync = q.run(() => {
      seen.push('c');
      return 'c';
    });
    await expect(slow).resolves.toBe(1);
    await expect(failing).rejects.toThrow('b failed');
    await expect(sync).resolves.toBe('c');
    expect(seen).toEqual(['a start', 'a end', 'b', 'c']);
  });

  it('idle settles after what was queued, even when it failed', async () => {
    const q = new SerialQueue();
    let done = false;
    void q.run(async () => {
      await new Promise((r) => setTimeout(r, 5));
      done = true;
      throw new Error('ignored here');
    }).catch(() => undefined);
    await q.idle();
    expect(done).toBe(true);
  });
});
