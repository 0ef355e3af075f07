import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../platform/ml/backend.js';
import { readSessions } from './session-file.js';
import { evaluateSessions } from './sessions-eval.js';
import { dataSet } from '../../../test/support/data.js';
import { loadLogsOptions } from '../options.js';

// The short form of `vigil logs sessions-eval` on the real HDFS sessions (the full run, 30 epochs,
// is in src/logs/README.md): a third of the training, so the figures are lower, not the order.
describe('sessions-eval on HDFS (short)', () => {
  it('the LSTM with the key-pair invariant beats every n-gram baseline, alone or with the invariant', async () => {
    const HDFS = dataSet('logs/hdfs-sessions');
    await initBackend(() => {});
    const service = loadLogsOptions({}).sequence;
    const report = await evaluateSessions({
      train: readSessions(join(HDFS, 'hdfs_train')),
      testNormal: readSessions(join(HDFS, 'hdfs_test_normal_sample')),
      testAbnormal: readSessions(join(HDFS, 'hdfs_test_abnormal')),
      deeplog: { epochs: 10 },
      shipped: service,
    });
    const row = (name: string) => report.detectors.find((d) => d.name === name)!;
    // The service's default floor: sessions-eval takes it from the same options.
    const lead = row(`lstm p<${service.minProbability} + pairs`);
    expect(report.detectors[0]).toBe(lead);
    // The logs service ships the leading row: its default configuration decides by it.
    expect(report.detectors.filter((d) => d.shipped)).toEqual([lead]);
    const ngrams = report.detectors.filter((d) => d.name.includes('-gram'));
    expect(ngrams).toHaveLength(6);
    for (const n of ngrams) expect(lead.scaled.f1).toBeGreaterThan(n.scaled.f1 + 0.05);
    // The invariant alone: few normal sessions break it, many anomalies do; adding it never loses a detection.
    expect(row('key pairs').raw.falsePositives).toBeLessThanOrEqual(5);
    expect(row('key pairs').raw.recall).toBeGreaterThan(0.5);
    expect(lead.raw.truePositives).toBeGreaterThan(row(`lstm p<${service.minProbability}`).raw.truePositives);
    expect(lead.raw.falsePositives).toBeLessThanOrEqual(row(`lstm p<${service.minProbability}`).raw.falsePositives + row('key pairs').raw.falsePositives);
    expect(lead.sweep?.find((s) => s.rule === `p<${service.minProbability}`)?.scaledF1).toBeCloseTo(lead.scaled.f1, 10);
  }, 600_000); // ten epochs of an LSTM: minutes on a loaded machine (a bound, not a measure)

  it('keeps each test session\'s score and key-pair verdict when asked, in file order', async () => {
    await initBackend(() => {});
    const train = [...Array.from({ length: 20 }, () => ['5', '22', '11', '9', '26', '21']), ...Array.from({ length: 20 }, () => ['5', '22', '3', '4'])];
    const testNormal = [['5', '22', '11', '9', '26', '21'], ['5', '22', '3', '4']];
    // A new key, then two keys that never met in a training session (each seen on its own).
    const testAbnormal = [['5', '22', '11', '42', '21'], ['5', '22', '11', '9', '3', '4']];
    const input = { train, testNormal, testAbnormal, deeplog: { history: 3, units: 8, epochs: 3 }, ngramContexts: [1] };
    const report = await evaluateSessions({ ...input, keepSessionScores: true });
    const scores = report.sessionScores!;
    expect(scores.normal.map((s) => s.pairs)).toEqual([false, false]);
    expect(scores.abnormal.map((s) => s.pairs)).toEqual([true, true]);
    expect(scores.abnormal[0]).toMatchObject({ minProb: 0, worstRank: Number.POSITIVE_INFINITY });
    for (const s of [...scores.normal, ...scores.abnormal]) expect(s.minProb).toBeGreaterThanOrEqual(0);
    // The floor row agrees with the kept scores.
    const floorPairs = report.detectors[0]!;
    const flagged = (list: typeof scores.normal) => list.filter((s) => s.pairs || s.minProb < 0.001).length;
    expect(floorPairs.raw.falsePositives).toBe(flagged(scores.normal));
    expect(floorPairs.raw.truePositives).toBe(flagged(scores.abnormal));
    expect((await evaluateSessions(input)).sessionScores).toBeUndefined();
  }, 120_000);

  it("decides by the service's floor unless told another, and then marks no row as the service's", async () => {
    await initBackend(() => {});
    const train = Array.from({ length: 20 }, () => ['5', '22', '11', '9', '26', '21']);
    const input = { train, testNormal: train.slice(0, 2), testAbnormal: [['5', '22', '9', '11', '26', '21']], ngramContexts: [1] };
    const shipped = { rule: 'probability' as const, keyPairs: true, minProbability: 0.02, topG: 9 };
    const service = await evaluateSessions({ ...input, deeplog: { history: 3, units: 8, epochs: 2 }, shipped });
    expect(service.detectors[0]!.name).toBe('lstm p<0.02 + pairs');
    expect(service.detectors.filter((d) => d.shipped)).toEqual([service.detectors[0]]);
    expect(service.detectors[0]!.sweep?.some((s) => s.rule === 'p<0.02')).toBe(true);
    const other = await evaluateSessions({ ...input, deeplog: { history: 3, units: 8, epochs: 2, minProbability: 0.001 }, shipped });
    expect(other.detectors[0]!.name).toBe('lstm p<0.001 + pairs');
    expect(other.detectors.some((d) => d.shipped)).toBe(false);
  }, 120_000);
});
