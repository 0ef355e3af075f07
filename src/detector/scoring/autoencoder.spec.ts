import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../platform/ml/backend.js';
import { seededRandom } from '../../platform/random.js';
import { Detector } from './detector.js';

beforeAll(async () => {
  await initBackend(() => {});
});

describe('autoencoder tensors', () => {
  it('leaves the tensor count flat over repeated score and train cycles', async () => {
    // Small, quick models that retrain often: every cycle below scores with them and retrains them.
    const detector = new Detector({ autoencoder: { epochs: 3, coldStartRows: 100, retrainEveryRows: 64, trainRows: 200, ensemble: 2 } });
    const random = seededRandom(3);
    const entities = ['a', 'b', 'c'];
    let row = 0;
    const cycle = async () => {
      for (let k = 0; k < 64; k++, row++) {
        for (const [i, e] of entities.entries()) {
          detector.observe(e, { time: row * 60_000, values: [Math.sin(row / 10 + i) + random(), 5 + random(), 2 * random()] });
        }
      }
      return detector.scoreDue();
    };
    // Cold start and the first training: the backend may keep tensors of its own from here on.
    while (detector.stats().entitiesWithModel < entities.length) await cycle();
    await cycle();
    const baseline = tf.memory().numTensors;
    const trained = detector.stats().modelsTrained;
    for (let i = 0; i < 8; i++) {
      const scored = await cycle();
      expect(scored.every((s) => s.results.at(-1)!.scorer === 'autoencoder')).toBe(true);
      expect(tf.memory().numTensors).toBe(baseline);
    }
    // The cycles did score with the models and retrain them (3 entities x 2 members each time).
    expect(detector.stats().modelsTrained - trained).toBe(8 * entities.length * 2);
  });
});
