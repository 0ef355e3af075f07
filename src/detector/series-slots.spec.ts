import { ROOT_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { registry } from '../platform/metrics/registry.js';
import { seededRandom } from '../platform/random.js';
import { parseSeriesKey } from '../platform/series/series-identity.js';
import type { InRecord } from '../platform/stage/types.js';
import { loadCatalogue } from '../platform/streams/catalogue.js';
import { SchemaRegistry } from '../platform/streams/validator.js';
import { DetectorService, type ScoredStep } from './detector.service.js';
import { loadDetectorOptions } from './options.js';
import { parseMatcher } from './selection/matchers.js';
import { SeriesSelection } from './selection/series-selection.js';
import type { MetricSampleValue } from './types.js';

const STEP = 15_000;
const MODES = ['idle', 'user', 'system', 'nice'];

/** The value of a counter or gauge series in the process registry (0 when it has none). */
async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const values = (await registry.getSingleMetric(name)!.get()).values;
  return values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
}

/**
 * What Prometheus remote-writes for one node_exporter: per scrape, every series of it with the
 * scrape's timestamp — `node_cpu_seconds_total` once per CPU and mode (cumulative seconds), then
 * `node_load1`. CPU 1's user time runs 8 times faster from step `faultAt` on.
 */
function scrapes(from: number, to: number, faultAt: number): InRecord<unknown>[] {
  const random = seededRandom(7);
  const totals = new Map<string, number>();
  const out: InRecord<unknown>[] = [];
  const push = (value: MetricSampleValue) =>
    out.push({ topic: 'telemetry.metrics', partition: 0, offset: String(out.length), key: value.entity, value, headers: {}, timestamp: value.timestamp, trace: ROOT_CONTEXT });
  for (let i = 0; i < to; i++) {
    const timestamp = i * STEP;
    for (const cpu of ['0', '1']) {
      for (const [m, mode] of MODES.entries()) {
        const series = `${cpu}/${mode}`;
        const busy = (m + 1) * 0.05 * (1 + 0.1 * random()) * (cpu === '1' && mode === 'user' && i >= faultAt ? 8 : 1);
        const total = (totals.get(series) ?? 1000 * (m + 1)) + busy * (STEP / 1000);
        totals.set(series, total);
        if (i >= from) push({ entity: 'node-1:9100', metric: 'node_cpu_seconds_total', labels: { cpu, mode, instance: 'node-1:9100', job: 'node' }, timestamp, value: total, kind: 'counter' });
      }
    }
    if (i >= from) push({ entity: 'node-1:9100', metric: 'node_load1', labels: { instance: 'node-1:9100', job: 'node' }, timestamp, value: 0.5 + 0.1 * random(), kind: 'gauge' });
  }
  return out;
}

describe('DetectorService: one slot per series', () => {
  it('node_exporter CPUs and modes each get a slot of their own, chosen by the rules and capped; events name the series', async () => {
    // Every CPU mode but nice, and node_load1: 7 series, one more than the cap. The first to
    // arrive take the slots: node_load1 at the first scrape (a counter's first sample only sets
    // its baseline), the CPU series at the second, the last of them (CPU 1, system) too late.
    const selection = new SeriesSelection(
      [
        { matchers: [parseMatcher('__name__="node_cpu_seconds_total"'), parseMatcher('mode!="nice"')], source: 'test' },
        { matchers: [parseMatcher('__name__="node_load1"')], source: 'test' },
      ],
      6,
    );
    const service = new DetectorService({ ...loadDetectorOptions({}), selection });
    const log: string[] = [];
    service.logTo((line) => log.push(line));
    const records = scrapes(0, 400, 300);
    const scored: ScoredStep[] = [];
    for (let i = 0; i < records.length; i += 500) scored.push(...(await service.process(records.slice(i, i + 500))));

    // Interleaved as they come, the eight CPU series are eight counters: none out of order, no reset.
    expect(await metric('vigil_detector_samples_dropped_total', { reason: 'counter_out_of_order' })).toBe(0);
    expect(await metric('vigil_detector_counter_resets_total')).toBe(0);
    // Nice is not selected; CPU 1's system time is over the cap from its second sample on.
    expect(await metric('vigil_detector_samples_dropped_total', { reason: 'not_selected' })).toBe(2 * 400);
    expect(await metric('vigil_detector_samples_dropped_total', { reason: 'counter_start' })).toBe(6);
    expect(await metric('vigil_detector_samples_dropped_total', { reason: 'series_cap' })).toBe(399);
    expect(await metric('vigil_detector_series', { metric: 'node_cpu_seconds_total' })).toBe(5);
    expect(await metric('vigil_detector_series', { metric: 'node_load1' })).toBe(1);
    expect(log.filter((l) => l.includes('max_series_per_entity'))).toEqual([
      'node-1:9100: more selected series than max_series_per_entity (6); node_cpu_seconds_total{cpu="1",instance="node-1:9100",job="node",mode="system"} and any further series of an entity at its cap are dropped (vigil_detector_samples_dropped_total{reason="series_cap"}): narrow the selectors in rules/detector or raise the cap (logged once)',
    ]);

    const slots = service.aligner.seriesOf('node-1:9100').map((key) => parseSeriesKey(key));
    expect(slots.map((s) => (s.metric === 'node_load1' ? s.metric : `${s.labels.cpu}/${s.labels.mode}`))).toEqual(['node_load1', '0/idle', '0/user', '0/system', '1/idle', '1/user']);
    // Each slot holds its own series' rate (seconds of CPU per second), not the last sample of the metric name.
    const step = scored.find((s) => s.step.time === 100 * STEP)!.step;
    step.values.forEach((v, k) => {
      if (k === 0) return expect(v).toBeGreaterThanOrEqual(0.5);
      const mode = MODES.indexOf(slots[k]!.labels.mode!);
      expect(v).toBeGreaterThanOrEqual((mode + 1) * 0.05);
      expect(v).toBeLessThanOrEqual((mode + 1) * 0.055 + 1e-9);
    });

    // CPU 1's user time: the event names that series, and keeps the bare name for rule matching.
    const events = scored.filter((s) => s.event).map((s) => s.event!);
    const fault = events.find((e) => e.timestamp >= 300 * STEP);
    expect(fault, `events at ${events.map((e) => e.timestamp / STEP).join(', ')}`).toBeDefined();
    expect(fault!.timestamp).toBeLessThan(310 * STEP);
    expect(fault!.contributions[0]!.metric).toBe('node_cpu_seconds_total{cpu="1",instance="node-1:9100",job="node",mode="user"}');
    expect(fault!.labels).toMatchObject({ top_metric: 'node_cpu_seconds_total', top_series: 'node_cpu_seconds_total{cpu="1",instance="node-1:9100",job="node",mode="user"}' });
    expect(new SchemaRegistry(loadCatalogue()).validate('aiops.anomalies', fault)).toEqual({ ok: true, value: fault });
    // The contributions metric stays by metric name: as few label values as metric names.
    const shares = (await registry.getSingleMetric('vigil_detector_anomaly_contributions_total')!.get()).values;
    expect(shares.map((v) => v.labels.metric).sort()).toEqual(['node_cpu_seconds_total', 'node_load1']);
    expect(shares.reduce((sum, v) => sum + v.value, 0)).toBeCloseTo(events.length, 6);
  }, 60_000);
});
