import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../platform/ml/backend.js';
import { backtestSeries, type BacktestInput } from '../backtest/backtest-series.js';
import { Detector } from './detector.js';
import { seededRandom } from '../../platform/random.js';
import type { DetectorOverrides } from './options.js';
import type { ScoreResult } from './types.js';
import { DEFAULT_DEMO, demoStep } from '../../demo/demo-stream.js';

const FIVE_MINUTES = 300_000;
const DAY_ROWS = 288;
const quickModel: DetectorOverrides = { autoencoder: { epochs: 10, coldStartRows: 400, retrainEveryRows: 500, trainRows: 800 } };

/** Eight metrics with a daily cycle and noise; metric `drifting` ramps away from `driftFrom` on. */
function synthetic(rows: number, drifting: number, driftFrom: number, seed = 7): BacktestInput {
  const random = seededRandom(seed);
  const times = Array.from({ length: rows }, (_, i) => Date.UTC(2024, 0, 1) + i * FIVE_MINUTES);
  const data = times.map((_, i) =>
    Array.from({ length: 8 }, (_, m) => {
      const daily = 10 * Math.sin((2 * Math.PI * i) / DAY_ROWS + m);
      const drift = m === drifting && i >= driftFrom ? 0.15 * (i - driftFrom) : 0;
      return 50 + 5 * m + daily + (random() - 0.5) + drift;
    }),
  );
  return { entity: 'host-1', times, rows: data };
}

beforeAll(async () => {
  await initBackend(() => {});
});

describe('Detector', () => {
  it('names the drifting metric as the top contributor', async () => {
    const input = synthetic(4 * DAY_ROWS, 3, 3 * DAY_ROWS);
    const [results] = await backtestSeries([input], quickModel);
    const after = results!.slice(3 * DAY_ROWS + 10);
    const flagged = after.filter((r) => r.isAnomaly);
    expect(flagged.length).toBeGreaterThan(0);
    const top = (c: readonly number[]) => c.indexOf(Math.max(...c));
    expect(top(flagged[0]!.contributions)).toBe(3);
    expect(flagged[0]!.cause?.metric).toBe(3);
    // Averaged over the drift, metric 3 carries the most evidence too.
    const mean = Array.from({ length: 8 }, (_, m) => after.reduce((s, r) => s + r.contributions[m]!, 0) / after.length);
    expect(top(mean)).toBe(3);
    expect(results!.at(-1)!.scorer).toBe('autoencoder');
  });

  it('scores the same whether the rows come in one batch or in many (training falls due inside a batch)', async () => {
    const input = synthetic(4 * DAY_ROWS, 3, 3 * DAY_ROWS);
    const run = async (chunk: number) => {
      const detector = new Detector(quickModel);
      const results: ScoreResult[] = [];
      for (let i = 0; i < input.rows.length; i += chunk) {
        input.rows.slice(i, i + chunk).forEach((values, k) => detector.observe('h', { time: input.times[i + k]!, values }));
        const [scored] = await detector.scoreDue();
        results.push(...scored!.results);
      }
      return results;
    };
    const whole = await run(input.rows.length);
    expect(whole.map((r) => r.score)).toEqual((await run(16)).map((r) => r.score));
    // Rows after the cold start are scored by the model trained there, not by the baseline alone.
    expect(whole[quickModel.autoencoder!.coldStartRows! + 20]!.scorer).toBe('autoencoder');
    expect(whole.slice(3 * DAY_ROWS).some((r) => r.isAnomaly)).toBe(true);
  });

  it('the demo fleet: no alarm from a model fresh out of cold start, and the first fault flagged at its first step', async () => {
    // What `vigil start` shows a newcomer: 600 clean steps (cold start ends at 400, two thirds
    // into the demo's "day"), then host 00 goes wrong at step 630. Events are what the service
    // publishes (score >= threshold, after suppression).
    const run = async (calibrationRows: number) => {
      const detector = new Detector({ autoencoder: { calibrationRows } });
      const events: string[] = [];
      for (let step = 0; step <= DEFAULT_DEMO.firstFault; step++) {
        const byHost = new Map<string, number[]>();
        for (const x of demoStep(step, 0)) byHost.set(x.entity, [...(byHost.get(x.entity) ?? []), x.value]);
        for (const [host, values] of byHost) detector.observe(host, { time: step * 1000, values });
        if (step < DEFAULT_DEMO.backfillSteps && step % 100 !== 99) continue;
        for (const { entity, results } of await detector.scoreDue()) {
          results.forEach((r, k) => r.score >= r.threshold && events.push(`${entity}@${step - results.length + 1 + k}`));
        }
      }
      return events;
    };
    expect(await run(50)).toEqual([`demo-host-00@${DEFAULT_DEMO.firstFault}`]);
    // Judged against its errors on its own training rows, the fresh model alarms on the rows
    // after them, and the suppression that follows hides the fault.
    const uncalibrated = await run(0);
    expect(uncalibrated.length).toBeGreaterThan(0);
    expect(uncalibrated).not.toContain(`demo-host-00@${DEFAULT_DEMO.firstFault}`);
  }, 60_000);

  it('counts what it did for the service metrics', async () => {
    const detector = new Detector(quickModel);
    const input = synthetic(DAY_ROWS * 2, -1, 0);
    input.rows.forEach((values, i) => detector.observe('h', { time: input.times[i]!, values }));
    await detector.scoreDue();
    await detector.trainDue();
    expect(detector.stats()).toMatchObject({ entities: 1, entitiesWithModel: 1, rowsScored: 2 * DAY_ROWS, modelsTrained: 3 });
  });

  it('raises no alarm on daily seasonality alone', async () => {
    const [results] = await backtestSeries([synthetic(4 * DAY_ROWS, -1, 0)], { autoencoder: { enabled: false } });
    const alarms = results!.slice(2 * DAY_ROWS).filter((r) => r.isAnomaly).length;
    expect(alarms).toBeLessThanOrEqual(2);
  });

  it('is deterministic', async () => {
    const input = synthetic(3 * DAY_ROWS, 2, 2 * DAY_ROWS);
    const [a] = await backtestSeries([input], quickModel);
    const [b] = await backtestSeries([input], quickModel);
    expect(a!.map((r) => r.score)).toEqual(b!.map((r) => r.score));
  });

  it('never looks ahead: later rows do not change earlier scores', async () => {
    const input = synthetic(3 * DAY_ROWS, -1, 0);
    const cut = 2 * DAY_ROWS + 37; // mid-chunk, after the autoencoder has trained
    const changed = { ...input, rows: input.rows.map((r, i) => (i > cut ? r.map((v) => v * 3 + 100) : r)) };
    const [a] = await backtestSeries([input], quickModel);
    const [b] = await backtestSeries([changed], quickModel);
    expect(b!.slice(0, cut + 1)).toEqual(a!.slice(0, cut + 1));
    expect(b!.slice(cut + 1).map((r) => r.score)).not.toEqual(a!.slice(cut + 1).map((r) => r.score));
  });

  it('scores several entities in one call, each as if alone', async () => {
    const one = synthetic(2 * DAY_ROWS, 1, DAY_ROWS, 1);
    const two = { ...synthetic(2 * DAY_ROWS, 5, DAY_ROWS, 2), entity: 'host-2' };
    const [alone] = await backtestSeries([two], quickModel);
    const [, together] = await backtestSeries([one, two], quickModel);
    // Same numbers up to float rounding (the batched matMul sums in a different order).
    together!.forEach((r, i) => expect(r.score).toBeCloseTo(alone![i]!.score, 4));
  });

  it('raises an entity threshold after false-positive feedback', async () => {
    const detector = new Detector({ autoencoder: { enabled: false } });
    detector.observe('db-1', { time: 0, values: [1] });
    await detector.scoreDue();
    const before = detector.threshold('db-1')!;
    detector.feedback('db-1', 'false_positive');
    expect(detector.threshold('db-1')!).toBeGreaterThan(before);
    detector.feedback('db-1', 'missed_anomaly');
    expect(detector.threshold('db-1')!).toBeCloseTo(before, 9);
  });

  it('keeps feedback for an entity it has no state for: applied when the entity appears, after it is forgotten, and to restored models', async () => {
    const detector = new Detector({ autoencoder: { enabled: false } });
    detector.observe('plain', { time: 0, values: [1] });
    await detector.scoreDue();
    const plain = detector.threshold('plain')!;
    expect(detector.feedback('db-2', 'false_positive')).toBeCloseTo(0.1, 12);
    expect(detector.threshold('db-2')).toBeUndefined();
    detector.observe('db-2', { time: 0, values: [1] });
    const [scored] = await detector.scoreDue(['db-2']);
    expect(scored!.results[0]!.threshold).toBeGreaterThan(plain);
    const raised = detector.threshold('db-2')!;
    // Forgotten as idle, then back: same adjustment.
    expect(detector.dropIdle(10 * 86_400_000, 86_400_000)).toEqual(['plain', 'db-2']);
    detector.observe('db-2', { time: 11 * 86_400_000, values: [1] });
    await detector.scoreDue();
    expect(detector.threshold('db-2')).toBe(raised);
    // A model handed over from the store replaces the state, not the adjustment.
    const w = { inputSize: 12, hidden: 2, w1: new Float32Array(24), b1: new Float32Array(2), w2: new Float32Array(24), b2: new Float32Array(12) };
    detector.restoreModels('db-2', 1, { version: 1, models: [w], center: new Float64Array(1), scale: new Float64Array([1]) });
    expect(detector.threshold('db-2')).toBe(raised);
    expect(detector.adjustedEntities()).toBe(1);
    expect(detector.riskScale('plain')).toBe(1);
  });

  it('treats missing values as no evidence and keeps scoring', async () => {
    const input = synthetic(2 * DAY_ROWS, -1, 0);
    const gappy = { ...input, rows: input.rows.map((r, i) => (i % 50 === 0 ? r.map((v, m) => (m === 2 ? NaN : v)) : r)) };
    const [results] = await backtestSeries([gappy], { autoencoder: { enabled: false } });
    expect(results!.every((r) => Number.isFinite(r.score) && r.score >= 0 && r.score <= 1)).toBe(true);
    expect(results![DAY_ROWS + 50]!.contributions[2]).toBe(0);
  });

  it('gives the same scores when training is split from scoring', async () => {
    const input = synthetic(2 * DAY_ROWS, 4, DAY_ROWS);
    const [together] = await backtestSeries([input], quickModel);
    const detector = new Detector(quickModel);
    const split: number[] = [];
    for (let start = 0; start < input.rows.length; start += 64) {
      input.rows.slice(start, start + 64).forEach((values, k) => detector.observe(input.entity, { time: input.times[start + k]!, values }));
      const [scored] = await detector.scoreDue(undefined, { train: false });
      split.push(...scored!.results.map((r) => r.score));
      await detector.trainDue();
    }
    expect(split).toEqual(together!.map((r) => r.score));
  });

  it('accepts a lasting level change as the new normal', async () => {
    const random = seededRandom(5);
    const rows = 9 * DAY_ROWS;
    const times = Array.from({ length: rows }, (_, i) => Date.UTC(2024, 0, 1) + i * FIVE_MINUTES);
    const data = times.map((_, i) => [20 + 10 * Math.sin((2 * Math.PI * i) / DAY_ROWS) + random() + (i >= 2 * DAY_ROWS ? 30 : 0)]);
    const [results] = await backtestSeries([{ entity: 'svc', times, rows: data }], quickModel);
    expect(results!.slice(2 * DAY_ROWS, 2 * DAY_ROWS + 5).some((r) => r.isAnomaly)).toBe(true);
    expect(results!.slice(-DAY_ROWS).filter((r) => r.isAnomaly)).toHaveLength(0);
  });

  it('catches a broken relation between metrics that per-metric statistics cannot see', async () => {
    // x1 follows x0 until row 2000, then mirrors it: same range, same steps, no jump (x0 = 5 there).
    const random = seededRandom(9);
    const rows = 2400;
    const times = Array.from({ length: rows }, (_, i) => Date.UTC(2024, 0, 1) + i * FIVE_MINUTES);
    const data = times.map((_, i) => {
      const x0 = 5 + 4 * Math.sin((2 * Math.PI * i) / 200);
      return [x0 + 0.2 * random(), (i >= 2000 ? 10 - x0 : x0) + 0.2 * random(), 3 + random()];
    });
    const input = { entity: 'pair', times, rows: data };
    const [baseline] = await backtestSeries([input], { autoencoder: { enabled: false } });
    const [withModel] = await backtestSeries([input]);
    expect(baseline!.slice(2000, 2100).filter((r) => r.isAnomaly)).toHaveLength(0);
    const flagged = withModel!.slice(2000, 2100).filter((r) => r.isAnomaly);
    expect(flagged.length).toBeGreaterThan(0);
    expect(flagged[0]!.cause?.signal).toBe('reconstruction');
    expect(flagged[0]!.cause?.metric).toBeLessThan(2);
  });

  it('rebuilds an entity by replay, then scores new rows as the original owner would', async () => {
    const input = synthetic(3 * DAY_ROWS, -1, 0);
    const observations = input.times.map((time, i) => ({ time, values: input.rows[i]! }));
    const [original] = await backtestSeries([input], { autoencoder: { enabled: false } }, 64);
    const successor = new Detector({ autoencoder: { enabled: false } });
    await successor.replay(input.entity, observations.slice(0, 2 * DAY_ROWS), 64);
    for (const o of observations.slice(2 * DAY_ROWS)) successor.observe(input.entity, o);
    const [next] = await successor.scoreDue();
    expect(next!.results.map((r) => r.score)).toEqual(original!.slice(2 * DAY_ROWS).map((r) => r.score));
  });

  it('does not care about units: scaled and shifted metrics score the same', async () => {
    const input = synthetic(3 * DAY_ROWS, 6, 2 * DAY_ROWS);
    const rescaled = { ...input, rows: input.rows.map((r) => r.map((v) => v * 1000 + 5)) };
    const [a] = await backtestSeries([input], quickModel);
    const [b] = await backtestSeries([rescaled], quickModel);
    a!.forEach((r, i) => expect(b![i]!.score).toBeCloseTo(r.score, 3));
  });

  it('drops entities that went quiet and rejects invalid options', async () => {
    const detector = new Detector({ autoencoder: { enabled: false } });
    detector.observe('old', { time: 0, values: [1] });
    detector.observe('new', { time: 10_000, values: [1] });
    await detector.scoreDue();
    expect(detector.dropIdle(10_000, 5_000)).toEqual(['old']);
    expect(detector.threshold('old')).toBeUndefined();
    expect(() => new Detector({ suppressRisk: 2 })).toThrow(/suppressRisk/);
  });
});
