import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { registry } from '../platform/metrics/registry.js';
import { loadCatalogue } from '../platform/streams/catalogue.js';
import { SchemaRegistry } from '../platform/streams/validator.js';
import type { InRecord } from '../platform/stage/types.js';
import { SCORER_VERSION } from '../lib/anomaly/index.js';
import { readSeriesCsv } from '../lib/evaluation/index.js';
import { DEFAULT_CHUNK_ROWS } from './backtest/backtest-series.js';
import { runBacktest } from './backtest/run-backtest.js';
import { DetectorService } from './detector.service.js';
import { loadDetectorOptions } from './options.js';
import type { MetricSampleValue } from './types.js';
import { dataSet } from '../../test/support/data.js';


/** The value of a series in the process registry (labels matched exactly on the given keys). */
async function gauge(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const values = (await registry.getSingleMetric(name)!.get()).values;
  return values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
}

function metricRecord(offset: number, value: MetricSampleValue): InRecord<unknown> {
  return { topic: 'telemetry.metrics', partition: 0, offset: String(offset), key: value.entity, value, headers: {}, timestamp: value.timestamp, trace: ROOT_CONTEXT };
}

describe('DetectorService', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('scores a NAB file through the service path (records → aligner → Detector) exactly as runBacktest does', async () => {
    const NAB_FILE = dataSet('nab-dev/artificialWithAnomaly/art_daily_jumpsdown.csv');
    const table = await readSeriesCsv(NAB_FILE);
    const out = await mkdtemp(join(tmpdir(), 'vigil-detector-'));
    dirs.push(out);
    await runBacktest({ input: NAB_FILE, output: out, log: () => {} });
    const backtest = (await readFile(join(out, 'art_daily_jumpsdown.csv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split(','));

    // The inferred step (5 min), and micro-batches that close the rows the backtest scores per round.
    const service = new DetectorService(loadDetectorOptions({}));
    const schemas = new SchemaRegistry(loadCatalogue());
    const records = table.times.map((time, i) => metricRecord(i, { entity: 'art_daily_jumpsdown.csv', metric: 'value', timestamp: time, value: table.rows[i]![0]! }));
    const scores: number[] = [];
    const times: number[] = [];
    let events = 0;
    for (let start = 0; start < records.length; ) {
      const end = start === 0 ? DEFAULT_CHUNK_ROWS + 1 : start + DEFAULT_CHUNK_ROWS;
      const batch = records.slice(start, end);
      const scored = await service.process(batch);
      for (const s of scored) {
        scores.push(s.result.score);
        times.push(s.step.time);
        if (s.event) {
          events++;
          expect(schemas.validate('aiops.anomalies', s.event)).toEqual({ ok: true, value: s.event });
          expect(s.event.contributions[0]!.metric).toBe('value');
        }
      }
      start = end;
    }
    expect(service.aligner.stepOf('art_daily_jumpsdown.csv')).toBe(300_000);
    // Every row but the last (no later sample has closed its step).
    expect(scores.length).toBe(table.rows.length - 1);
    expect(times).toEqual(table.times.slice(0, -1));
    const expected = backtest.slice(0, -1).map((r) => r[1]);
    const firstDiff = scores.findIndex((s, i) => s.toFixed(6) !== expected[i]);
    expect(firstDiff, `row ${firstDiff}: ${scores[firstDiff]} vs ${expected[firstDiff]}`).toBe(-1);
    expect(scores.map((s) => s.toFixed(6))).toEqual(backtest.slice(0, -1).map((r) => r[1]));
    const alarms = backtest.slice(0, -1).filter((r) => Number(r[1]) >= Number(r[2])).length;
    expect(events).toBe(alarms);
    expect(events).toBeGreaterThan(0);

    // What the dashboards read: per-entity score, threshold and drift, anomalies, model versions.
    const entity = { entity: 'art_daily_jumpsdown.csv' };
    expect(await gauge('vigil_detector_score', entity)).toBeCloseTo(scores.at(-1)!, 12);
    expect(await gauge('vigil_detector_threshold', entity)).toBe(service.detector.threshold(entity.entity));
    expect(await gauge('vigil_detector_anomalies_total', entity)).toBe(events);
    const psi = await gauge('vigil_detector_score_psi', entity);
    expect(psi).toBeGreaterThanOrEqual(0);
    expect(await gauge('vigil_detector_entities_by_model', { model_version: SCORER_VERSION })).toBe(1);
  });

  it('applies aiops.feedback false positives to the entity threshold; counts late and new metrics; steps batch in one call', async () => {
    const service = new DetectorService(loadDetectorOptions({ DETECTOR_STEP_MS: '1000' }));
    const rec = (offset: number, metric: string, t: number, v: number, entity = 'h1') => metricRecord(offset, { entity, metric, timestamp: t, value: v });
    let offset = 0;
    const first = await service.process([
      ...Array.from({ length: 20 }, (_, i) => [rec(offset++, 'cpu', i * 1000, Math.sin(i)), rec(offset++, 'mem', i * 1000 + 10, 1), rec(offset++, 'cpu', i * 1000, 5, 'h2')]).flat(),
    ]);
    expect(first.filter((s) => s.step.entity === 'h1').map((s) => s.step.time)).toEqual(Array.from({ length: 19 }, (_, i) => i * 1000));
    expect(first.filter((s) => s.step.entity === 'h2')).toHaveLength(19);
    const before = first.at(-1)!.result.threshold;
    const feedback: InRecord<unknown> = {
      topic: 'aiops.feedback',
      partition: 0,
      offset: '0',
      key: 'h1',
      value: { id: 'f1', entity: 'h1', timestamp: 0, kind: 'false_positive' },
      headers: {},
      timestamp: 0,
      trace: ROOT_CONTEXT,
    };
    const next = await service.process([feedback, rec(offset++, 'cpu', 500, 1), rec(offset++, 'disk', 19_500, 1), rec(offset++, 'cpu', 20_000, 1)]);
    expect(next.map((s) => [s.step.entity, s.step.time])).toEqual([['h1', 19_000]]);
    expect(next[0]!.result.threshold).toBeGreaterThan(before);
    expect(service.detector.threshold('h2')).toBe(before);
    expect(service.aligner.dropped).toEqual({ late: 1, new_series: 1, series_cap: 0, invalid: 0 });
  });

  it('scores counters as per-second rates (kind counter), resets included', async () => {
    const service = new DetectorService(loadDetectorOptions({ DETECTOR_STEP_MS: '10000' }));
    const values = [100, 150, 250, 20, 70]; // a restart between 250 and 20
    const scored = await service.process(values.map((v, i) => metricRecord(i, { entity: 'c1', metric: 'requests_total', timestamp: i * 10_000, value: v, kind: 'counter' })));
    // The first sample is only the baseline; the last step is still open.
    expect(scored.map((s) => [s.step.time, s.step.values[0]])).toEqual([
      [10_000, 5],
      [20_000, 10],
      [30_000, 2],
    ]);
  });

  it('forgets entities idle for DETECTOR_IDLE_MS of event time', async () => {
    const service = new DetectorService(loadDetectorOptions({ DETECTOR_STEP_MS: '1000', DETECTOR_IDLE_MS: '70000' }));
    let offset = 0;
    const at = (entity: string, t: number) => metricRecord(offset++, { entity, metric: 'x', timestamp: t, value: 1 });
    await service.process([at('quiet', 0), at('busy', 0), at('quiet', 1000), at('busy', 1000), at('quiet', 2000), at('busy', 2000)]);
    expect(service.detector.stats().entities).toBe(2);
    for (let t = 3000; t <= 100_000; t += 1000) await service.process([at('busy', t)]);
    expect(service.detector.stats().entities).toBe(1);
    expect(service.detector.threshold('quiet')).toBeUndefined();
    expect(service.aligner.seriesOf('quiet')).toEqual([]);
  });
});
