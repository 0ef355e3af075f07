import { describe, expect, it } from 'vitest';
import { evaluateCorpus } from './evaluate.js';
import { labelRows } from './label-rows.js';
import { NAB_PROFILES, probationLength } from './profiles.js';
import { MAX_TP, scaledSigmoid } from './sigmoid.js';
import { rowReward } from './row-reward.js';

const standard = NAB_PROFILES[0]!;
const minute = 60_000;
const times = (n: number) => Array.from({ length: n }, (_, i) => i * minute);

describe('scaledSigmoid', () => {
  it('matches NAB at the window edges', () => {
    // 2·sigmoid(5) - 1 = 2/(1+e^-5) - 1 = 0.986614
    expect(scaledSigmoid(-1)).toBeCloseTo(0.986614, 6);
    // 2·sigmoid(2.5) - 1 = 0.848284
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.848284, 6);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.986614, 6);
    expect(scaledSigmoid(3)).toBe(-1);
  });

  it('caps the probationary period at 750 rows', () => {
    expect(probationLength(20)).toBe(3); // floor(0.15 · 20)
    expect(probationLength(4032)).toBe(604);
    expect(probationLength(22695)).toBe(750);
  });
});

describe('rowReward', () => {
  // 20 rows, one window over rows 10..13 (width 4).
  const labels = labelRows(times(20), [[10 * minute, 13 * minute]]);

  it('labels rows and the previous window', () => {
    expect(labels.windowRows).toEqual([[10, 13]]);
    expect(labels.windowOf[9]).toBe(-1);
    expect(labels.windowOf[10]).toBe(0);
    expect(labels.prevWindowOf[13]).toBe(-1);
    expect(labels.prevWindowOf[14]).toBe(0);
  });

  it('rewards a detection by its position in the window', () => {
    // row 10: position -(13-10+1)/4 = -1 → scaledSigmoid(-1)/MAX_TP = 1
    expect(rowReward(labels, 10, standard)).toBeCloseTo(1, 9);
    // row 12: position -2/4 = -0.5 → 0.848284 / 0.986614 = 0.859792
    expect(rowReward(labels, 12, standard)).toBeCloseTo(0.859792, 5);
    // row 13: position -1/4 → (2/(1+e^-1.25) - 1)/0.986614 = 0.554600/0.986614 = 0.562124
    expect(rowReward(labels, 13, standard)).toBeCloseTo(0.562124, 5);
    expect(MAX_TP).toBeCloseTo(0.986614, 6);
  });

  it('charges false positives by distance after the previous window', () => {
    // before any window: the full fp weight
    expect(rowReward(labels, 5, standard)).toBeCloseTo(-0.11, 9);
    // row 15: |15-13|/(4-1) = 2/3 → 2/(1+e^(10/3)) - 1 = -0.931110, · 0.11 = -0.102422
    expect(rowReward(labels, 15, standard)).toBeCloseTo(-0.102422, 5);
  });
});

describe('evaluateCorpus', () => {
  // Scores: probation rows 0..2 fire (ignored), an FP at row 5 (0.9), a late TP at row 12 (0.8),
  // an FP after the window at row 15 (0.7), everything else 0.
  const scores = new Array<number>(20).fill(0);
  scores[0] = scores[1] = scores[2] = 1;
  scores[5] = 0.9;
  scores[12] = 0.8;
  scores[15] = 0.7;
  const corpus = [{ series: { name: 'a', times: times(20), scores }, windows: [[10 * minute, 13 * minute]] as const }];
  const result = evaluateCorpus(corpus);
  const byName = Object.fromEntries(result.profiles.map((p) => [p.profile, p]));

  it('picks the threshold that maximises the total (standard)', () => {
    // threshold 0.9: -1 (missed window) - 0.11 = -1.11
    // threshold 0.8: 0.859792 - 0.11 = 0.749792   ← best
    // threshold 0.7: 0.749792 - 0.102422 = 0.647370
    // threshold 0  : window 1, 7 FPs before it (-0.77), 6 after it (≈ -0.616) → ≈ -0.386
    const s = byName.standard!;
    expect(s.threshold).toBe(0.8);
    expect(s.raw).toBeCloseTo(0.749792, 5);
    expect(s.null).toBe(-1);
    expect(s.perfect).toBeCloseTo(1, 9);
    // 100 · (0.749792 + 1) / (1 + 1) = 87.4896
    expect(s.score).toBeCloseTo(87.4896, 3);
    expect([s.tp, s.fp, s.fn]).toEqual([1, 1, 0]);
  });

  it('scores the other profiles with their weights', () => {
    // reward_low_FP at 0.8: 0.859792 - 0.22 = 0.639792 → 100 · 1.639792 / 2 = 81.9896
    expect(byName.reward_low_FP!.score).toBeCloseTo(81.9896, 3);
    // reward_low_FN: null -2, at 0.8: 0.749792 → 100 · 2.749792 / 3 = 91.6597
    expect(byName.reward_low_FN!.null).toBe(-2);
    expect(byName.reward_low_FN!.score).toBeCloseTo(91.6597, 3);
  });

  it('reports event-wise precision and recall at the standard threshold', () => {
    // at 0.8: one detected window, one false-alarm run (row 5) → P 0.5, R 1, F1 2/3
    expect(result.events).toMatchObject({ detectedWindows: 1, windows: 1, falseAlarms: 1, precision: 0.5, recall: 1 });
    expect(result.events.f1).toBeCloseTo(2 / 3, 9);
  });

  it('scores a perfect detector 100 and one that fires on every row by hand', () => {
    const perfectScores = new Array<number>(20).fill(0);
    perfectScores[10] = 1;
    const perfect = evaluateCorpus([{ ...corpus[0]!, series: { ...corpus[0]!.series, scores: perfectScores } }]);
    expect(perfect.profiles.map((p) => p.score)).toEqual([100, 100, 100]);
    // Always 0.5: rows 3..9 cost 7 · 0.11 = 0.77; the window earns 1; rows 14..19 sit k/3 past it
    // (k = 1..6): scaledSigmoid = -0.682262, -0.931110, -0.986614, -0.997459, -0.999519,
    // -0.999909, sum -5.596873 · 0.11 = -0.615656. Raw = 1 - 0.77 - 0.615656 = -0.385656,
    // which beats the null -1: score = 100 · 0.614344 / 2 = 30.7172.
    const always = evaluateCorpus([{ ...corpus[0]!, series: { ...corpus[0]!.series, scores: new Array(20).fill(0.5) } }]);
    expect(always.profiles[0]!.raw).toBeCloseTo(-0.385656, 5);
    expect(always.profiles[0]!.score).toBeCloseTo(30.7172, 3);
  });

  it('ignores windows that end inside the probationary period', () => {
    const r = evaluateCorpus([{ series: { name: 'b', times: times(20), scores }, windows: [[0, 2 * minute]] }]);
    expect(r.windows).toBe(0);
  });
});
