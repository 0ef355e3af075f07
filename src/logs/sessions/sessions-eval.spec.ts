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
    const report = await evaluateSessions({
      train: readSessions(join(HDFS, 'hdfs_train')),
      testNormal: readSessions(join(HDFS, 'hdfs_test_normal_sample')),
      testAbnormal: readSessions(join(HDFS, 'hdfs_test_abnormal')),
      deeplog: { epochs: 10 },
      shipped: loadLogsOptions({}).sequence,
    });
    const row = (name: string) => report.detectors.find((d) => d.name === name)!;
    const lead = row('lstm p<0.001 + pairs');
    expect(report.detectors[0]).toBe(lead);
    // The logs service ships the leading row: its default configuration decides by it.
    expect(report.detectors.filter((d) => d.shipped)).toEqual([lead]);
    const ngrams = report.detectors.filter((d) => d.name.includes('-gram'));
    expect(ngrams).toHaveLength(6);
    for (const n of ngrams) expect(lead.scaled.f1).toBeGreaterThan(n.scaled.f1 + 0.05);
    // The invariant alone: few normal sessions break it, many anomalies do; adding it never loses a detection.
    expect(row('key pairs').raw.falsePositives).toBeLessThanOrEqual(5);
    expect(row('key pairs').raw.recall).toBeGreaterThan(0.5);
    expect(lead.raw.truePositives).toBeGreaterThan(row('lstm p<0.001').raw.truePositives);
    expect(lead.raw.falsePositives).toBeLessThanOrEqual(row('lstm p<0.001').raw.falsePositives + row('key pairs').raw.falsePositives);
    expect(lead.sweep?.find((s) => s.rule === 'p<0.001')?.scaledF1).toBeCloseTo(lead.scaled.f1, 10);
  }, 600_000); // ten epochs of an LSTM: minutes on a loaded machine (a bound, not a measure)
});
