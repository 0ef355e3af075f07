import { describe, expect, it } from 'vitest';
import { initBackend, tf } from './backend.js';

describe('initBackend', () => {
  it('loads a working backend and says which', async () => {
    const logs: string[] = [];
    const name = await initBackend((m) => logs.push(m));
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(name);
    expect(logs.at(-1)).toBe(`tensorflow.js backend: ${name}`);
    const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync());
    expect(Array.from(sum)).toEqual([4, 6]);
  });
});
