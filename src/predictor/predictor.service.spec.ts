import { ROOT_CONTEXT } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../platform/metrics/registry.js';
import { initBackend } from '../platform/ml/backend.js';
import type { InRecord } from '../platform/stage/types.js';
import { parseLimitRules } from './limits/limit-rules.js';
import { diskSeries, records, STEP, T0 } from './testing/disk-fixture.js';
import { loadPredictorOptions } from './options.js';
import { PredictorService } from './predictor.service.js';
import type { PredictionEvent } from './types.js';

const RULES = parseLimitRules([{ file: 'test.yaml', text: 'limits:\n  - { name: disk-full, metric: disk_used_ratio, op: ">", value: 0.95 }\n' }]);
/** Short cold start, as the integration test runs it. */
const ENV = { PREDICTOR_COLD_START_ROWS: '40', PREDICTOR_RETRAIN_EVERY_ROWS: '40', PREDICTOR_TRAIN_ROWS: '120', PREDICTOR_WINDOW: '8', PREDICTOR_HORIZON: '6', PREDICTOR_EPOCHS: '30' };

describe('PredictorService', () => {
  beforeAll(async () => {
    await initBackend(() => {});
  });

  it('a climbing disk gets a prediction before it breaches, updates rather than repeats, and is withdrawn after it recovers', async () => {
    const began = Date.now() / 1000;
    const service = new PredictorService(loadPredictorOptions(ENV), RULES);
    const values = diskSeries(125, 200);
    const breachStep = values.findIndex((v) => v > 0.95);
    const events: PredictionEvent[] = [];
    const recordIds: string[] = [];
    // Micro-batches of 10 steps, as a consumer hands them over.
    for (let from = 0; from < values.length; from += 10) {
      for (const emit of await service.handle(records('host-1', values, from, from + 10))) {
        expect(emit).toMatchObject({ topic: 'aiops.predictions', key: 'host-1' });
        events.push(emit.value as PredictionEvent);
        recordIds.push(emit.id);
      }
    }
    // Each record has its own id (derived from its step's input), so consumers drop only true repeats.
    expect(new Set(recordIds).size).toBe(recordIds.length);
    const issued = events.filter((e) => e.status === 'issued');
    expect(issued).toHaveLength(1);
    const first = issued[0]!;
    // Warned ahead: at least three steps before the first sample above the limit.
    expect(first.timestamp).toBeLessThanOrEqual(T0 + (breachStep - 3) * STEP);
    expect(first.expected_breach_at).toBeGreaterThan(first.timestamp);
    expect(first).toMatchObject({ entity: 'host-1', metric: 'disk_used_ratio', limit: { name: 'disk-full', op: '>', value: 0.95 }, model_version: expect.stringMatching(/^lstm-v\d+$/) });
    expect(first.forecast).toHaveLength(6);
    expect(first.forecast[0]!.timestamp).toBe(first.timestamp + STEP);
    // Every later record of this prediction carries its id; the last one withdraws it, after the drop.
    expect(events.every((e) => e.id === first.id)).toBe(true);
    const last = events.at(-1)!;
    expect(last.status).toBe('withdrawn');
    expect(last.timestamp).toBeGreaterThanOrEqual(T0 + 125 * STEP);
    // Updated, not repeated: far fewer records than forecasts.
    expect(events.length).toBeLessThan(20);
    // Only the watched metric (the one with a limit) is forecast.
    expect(service.forecaster.seriesCount).toBe(1);
    // The metrics behind the dashboards and VigilPredictorNoModel: a model, and when it was trained.
    const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value;
    expect(await value('vigil_predictor_models')).toBe(1);
    expect(await value('vigil_predictor_trainings_total')).toBeGreaterThanOrEqual(1);
    // Trained during this test (not: within some seconds of now).
    expect(await value('vigil_predictor_last_training_timestamp_seconds')).toBeGreaterThanOrEqual(began);
  });

  it('a series that goes quiet with an open prediction has it withdrawn when it is forgotten', async () => {
    const service = new PredictorService(loadPredictorOptions({ ...ENV, PREDICTOR_IDLE_MS: String(30 * STEP) }), RULES);
    const climbing = diskSeries(1000, 200);
    const steady = diskSeries(0, 200, 8);
    const events: PredictionEvent[] = [];
    for (let from = 0; from < 200; from += 10) {
      // host-1 stops reporting at step 115, its prediction open; host-2 goes on.
      const batch = [...(from < 115 ? records('host-1', climbing, from, Math.min(from + 10, 115)) : []), ...records('host-2', steady, from, from + 10)];
      events.push(...(await service.process(batch)).map((e) => e.event));
    }
    const mine = events.filter((e) => e.entity === 'host-1');
    expect(mine[0]!.status).toBe('issued');
    const last = mine.at(-1)!;
    expect(last).toMatchObject({ status: 'withdrawn', id: mine[0]!.id, labels: { reason: 'idle' }, forecast: [] });
    expect(last.timestamp).toBeGreaterThanOrEqual(T0 + (115 + 30) * STEP);
    expect(service.forecaster.seriesCount).toBe(1);
    expect(events.filter((e) => e.entity === 'host-2')).toEqual([]);
  }, 60_000);

  it('two series of one metric name (two mounts) are forecast apart: one climbs to its limit, the other stays', async () => {
    const service = new PredictorService(loadPredictorOptions(ENV), RULES);
    const climbing = diskSeries(125, 200);
    const steady = diskSeries(0, 200, 8);
    const mounts = (from: number, to: number): InRecord<unknown>[] =>
      Array.from({ length: to - from }, (_, k) => from + k).flatMap((i) =>
        (
          [
            ['/', climbing[i]!],
            ['/data', steady[i]!],
          ] as const
        ).map(([mount, value]) => {
          const v = { entity: 'host-1', metric: 'disk_used_ratio', labels: { mount }, timestamp: T0 + i * STEP, value };
          return { topic: 'telemetry.metrics', partition: 0, offset: String(i * 2), key: 'host-1', value: v, headers: {}, timestamp: v.timestamp, trace: ROOT_CONTEXT };
        }),
      );
    const events: PredictionEvent[] = [];
    for (let from = 0; from < 200; from += 10) events.push(...(await service.process(mounts(from, from + 10))).map((e) => e.event));
    expect(service.forecaster.seriesCount).toBe(2);
    expect(events.length).toBeGreaterThan(0);
    // Every prediction is the climbing mount's, and says so in its labels.
    expect(new Set(events.map((e) => e.labels.mount))).toEqual(new Set(['/']));
    expect(events.filter((e) => e.status === 'issued')).toHaveLength(1);
    expect(events[0]!.timestamp).toBeLessThanOrEqual(T0 + (climbing.findIndex((v) => v > 0.95) - 3) * STEP);
  }, 60_000);
});
