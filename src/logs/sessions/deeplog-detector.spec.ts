import { describe, expect, it } from 'vitest';
import { initBackend } from '../../platform/ml/backend.js';
import { DeepLogDetector } from './deeplog-detector.js';

describe('DeepLogDetector', () => {
  it('learns normal paths from a few sessions and flags deviations', async () => {
    await initBackend(() => {});
    // Two normal shapes of a block's life; the LSTM must learn which key follows which.
    const normal = [
      ...Array.from({ length: 30 }, () => ['5', '22', '11', '9', '26', '21']),
      ...Array.from({ length: 10 }, () => ['5', '22', '11', '9', '3', '26', '21']),
    ];
    const detector = new DeepLogDetector({ history: 3, topG: 1, rule: 'top-g', units: 16, layers: 1, epochs: 60, batchSize: 16, learningRate: 0.03 });
    try {
      const summary = await detector.train(normal);
      expect(summary.uniqueWindows).toBeLessThan(summary.windows);
      const [ok, reordered, unknown, truncated] = await detector.detect([
        ['5', '22', '11', '9', '26', '21'],
        ['5', '22', '26', '11', '9', '21'],
        ['5', '22', '11', '9', '42', '21'],
        ['5', '22', '11'],
      ]);
      expect(ok).toBe(false);
      expect(reordered).toBe(true);
      expect(unknown).toBe(true);
      expect(truncated).toBe(true);
      // The probability rule sees the same: the deviations get far less probability than normal keys.
      const [okScore, reorderedScore, unknownScore] = await detector.scoreSessions([
        ['5', '22', '11', '9', '26', '21'],
        ['5', '22', '26', '11', '9', '21'],
        ['5', '22', '11', '9', '42', '21'],
      ]);
      expect(okScore!.minProb).toBeGreaterThan(0.1);
      expect(reorderedScore!.minProb).toBeLessThan(0.05);
      expect(unknownScore).toEqual({ worstRank: Number.POSITIVE_INFINITY, minProb: 0 });
    } finally {
      detector.dispose();
    }
  });

  it('keeps the epoch with the lowest loss on held-out novel windows, or trains on everything without any', async () => {
    await initBackend(() => {});
    const common = [
      ...Array.from({ length: 30 }, () => ['5', '22', '11', '9', '26', '21']),
      ...Array.from({ length: 10 }, () => ['5', '22', '11', '9', '3', '26', '21']),
    ];
    // One-off keys make held-out sessions hold windows the rest lacks.
    const varied = [...common, ...Array.from({ length: 12 }, (_, i) => ['5', '22', '11', '9', String(100 + i), '21'])];
    const options = { history: 3, units: 8, epochs: 6, batchSize: 16, learningRate: 0.03, validationFraction: 0.25 };
    const detector = new DeepLogDetector(options);
    const repetitive = new DeepLogDetector(options);
    try {
      const summary = await detector.train(varied);
      expect(summary.bestEpoch).toBeGreaterThanOrEqual(1);
      expect(summary.bestEpoch).toBeLessThanOrEqual(6);
      expect(Number.isFinite(summary.validationLoss)).toBe(true);
      // Every held-out window also occurs in the rest: nothing to judge by, so all 290 windows are trained on.
      const plain = await repetitive.train(common);
      expect(plain.bestEpoch).toBeUndefined();
      expect(plain.windows).toBe(30 * 7 + 10 * 8);
    } finally {
      detector.dispose();
      repetitive.dispose();
    }
  });
});
