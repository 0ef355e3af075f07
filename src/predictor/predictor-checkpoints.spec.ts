import { ROOT_CONTEXT } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../platform/bus/memory-bus.js';
import { registry } from '../platform/metrics/registry.js';
import { initBackend } from '../platform/ml/backend.js';
import { seededRandom } from '../platform/random.js';
import type { MetricSampleValue } from '../platform/series/metric-sample.js';
import { seriesKey } from '../platform/series/series-identity.js';
import type { InRecord } from '../platform/stage/types.js';
import { BusChangelog } from '../platform/state/changelog.js';
import { openChangelog } from '../platform/state/open-changelog.js';
import { loadCatalogue, topicSpecs } from '../platform/streams/catalogue.js';
import type { SeriesForecast } from './forecast/online-forecaster.js';
import { parseLimitRules } from './limits/limit-rules.js';
import { loadPredictorOptions } from './options.js';
import { PredictorCheckpoints } from './predictor-checkpoints.js';
import { PredictorService } from './predictor.service.js';
import { diskSeries, STEP, T0 } from './testing/disk-fixture.js';
import type { PredictionEvent } from './types.js';

const catalogue = loadCatalogue();
const RULES = parseLimitRules([
  {
    file: 'test.yaml',
    text: 'limits:\n  - { name: disk-full, metric: disk_used_ratio, op: ">", value: 0.95 }\n  - { name: error-burst, metric: errors_total, op: ">", value: 50 }\n',
  },
]);
/** Small and quick, a retrain every 60 rows: the hand-over at step 150 falls between the second and third. */
const ENV = { PREDICTOR_COLD_START_ROWS: '40', PREDICTOR_RETRAIN_EVERY_ROWS: '60', PREDICTOR_TRAIN_ROWS: '120', PREDICTOR_WINDOW: '8', PREDICTOR_HORIZON: '6', PREDICTOR_EPOCHS: '5' };
const CLIMB = diskSeries(160, 400);
const STEADY = diskSeries(0, 400, 8);

/**
 * h1 on partition 3: a disk that climbs past 95% and drops at step 160, a steady second mount,
 * an error counter and an unwatched cpu; h2 on partition 7: a steady disk and an error counter.
 */
function records(from: number, to: number, only?: string): InRecord<unknown>[] {
  const out: InRecord<unknown>[] = [];
  for (let i = from; i < to; i++) {
    const random = seededRandom(i + 1);
    const timestamp = T0 + i * STEP;
    const samples: Array<[number, MetricSampleValue]> = [
      [3, { entity: 'h1', metric: 'disk_used_ratio', labels: { mount: '/' }, timestamp, value: CLIMB[i]! }],
      [3, { entity: 'h1', metric: 'disk_used_ratio', labels: { mount: '/data' }, timestamp, value: STEADY[i]! }],
      [3, { entity: 'h1', metric: 'errors_total', timestamp, value: i * 100 + Math.floor(random() * 50), kind: 'counter' }],
      [3, { entity: 'h1', metric: 'cpu_utilization', timestamp, value: 30 + (i % 7) }],
      [7, { entity: 'h2', metric: 'disk_used_ratio', timestamp, value: STEADY[(i + 50) % 400]! }],
      [7, { entity: 'h2', metric: 'errors_total', timestamp, value: i * 80 + Math.floor(random() * 40), kind: 'counter' }],
    ];
    for (const [partition, value] of samples) {
      if (only && value.entity !== only) continue;
      out.push({ topic: 'telemetry.metrics', partition, offset: String(out.length), key: value.entity, value, headers: {}, timestamp, trace: ROOT_CONTEXT });
    }
  }
  return out;
}

/** The predictor's changelog on an in-process bus of its own. */
async function newChangelog() {
  const bus = new MemoryBus();
  await bus.applyTopics(topicSpecs(catalogue));
  return openChangelog(bus, catalogue, 'aiops.predictor-state', { stateDir: '' });
}

/** Every forecast the service makes, exactly (median and band), with its model version. */
function recordForecasts(service: PredictorService, into: string[]): void {
  const f = service.forecaster;
  const update = f.update.bind(f);
  f.update = async (cancelled) => {
    const out: SeriesForecast[] = await update(cancelled);
    for (const x of out) into.push(`${x.series}@${(x.time - T0) / STEP} v${x.modelVersion}: ${[...x.forecast.median, ...x.forecast.low, ...x.forecast.high].join(' ')}`);
    return out;
  };
}

/** Batches of 10 steps, as a consumer hands them over; the checkpoints after each, as the stage does. */
async function run(service: PredictorService, checkpoints: PredictorCheckpoints | undefined, from: number, to: number, only?: string): Promise<PredictionEvent[]> {
  const events: PredictionEvent[] = [];
  for (let s = from; s < to; s += 10) {
    events.push(...(await service.process(records(s, Math.min(to, s + 10), only))).map((e) => e.event));
    await checkpoints?.afterBatch();
  }
  return events;
}

const metrics = (partition: number) => ({ topic: 'telemetry.metrics', partition });
const value = async (name: string, labels: Record<string, string> = {}) =>
  (await registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
const DISK_ROOT = seriesKey({ entity: 'h1', metric: 'disk_used_ratio', labels: { mount: '/' } });

describe('PredictorCheckpoints', () => {
  beforeAll(async () => {
    await initBackend(() => {});
  });

  it('a process that stops checkpoints its entities; the next owner restores them and forecasts exactly as one process would have', async () => {
    const options = loadPredictorOptions({ ...ENV, PREDICTOR_CHECKPOINT_ROWS: '25' });
    const changelog = await newChangelog();

    const whole = new PredictorService(options, RULES);
    const expected: string[] = [];
    recordForecasts(whole, expected);
    const expectedEvents = await run(whole, undefined, 0, 260);

    const first = new PredictorService(options, RULES);
    const forecasts: string[] = [];
    recordForecasts(first, forecasts);
    const firstCheckpoints = new PredictorCheckpoints(first, changelog, () => {});
    const before = await run(first, firstCheckpoints, 0, 150);
    // A prediction is open at the hand-over: the next owner must update and withdraw it, not issue it again.
    expect(before.filter((e) => e.status === 'issued').map((e) => e.metric)).toEqual(['disk_used_ratio']);
    expect(first.forecaster.modelVersion(DISK_ROOT)).toBe(2);
    await firstCheckpoints.revoked([metrics(3), metrics(7)], 'stop');
    expect(first.forecaster.seriesCount).toBe(0);

    const next = new PredictorService(options, RULES);
    recordForecasts(next, forecasts);
    const lines: string[] = [];
    const nextCheckpoints = new PredictorCheckpoints(next, changelog, (l) => lines.push(l));
    await nextCheckpoints.assigned([metrics(3), metrics(7)]);
    expect(lines.join('\n')).toMatch(/2 entities of partition\(s\) 3, 7 restored in [\d.]+ s: 5 series, 5 with a trained model/);
    expect(next.forecaster.modelVersion(DISK_ROOT)).toBe(2);
    const after = await run(next, nextCheckpoints, 150, 260);

    // Same forecasts from the same models, the step open at the hand-over (149) included (in
    // series order: a restored process holds its series in another order within a batch).
    expect(forecasts.length).toBeGreaterThan(1000);
    expect(forecasts.sort()).toEqual(expected.sort());
    expect([...before, ...after]).toEqual(expectedEvents);
    expect(after.map((e) => e.status)).toContain('withdrawn');
    // No retraining from scratch: the next owner trained only what one process would have after step 150.
    expect(first.forecaster.trainings + next.forecaster.trainings).toBe(whole.forecaster.trainings);
    expect(next.forecaster.restoredCount).toBe(5);
  }, 120_000);

  it('after a crash (no checkpoint at stop) the next owner still withdraws the prediction it did not issue: an issue is checkpointed at once', async () => {
    const options = loadPredictorOptions({ ...ENV, PREDICTOR_CHECKPOINT_ROWS: '1000' });
    const changelog = await newChangelog();
    const first = new PredictorService(options, RULES);
    const written = await value('vigil_predictor_checkpoints_written_total', { reason: 'prediction' });
    const before = await run(first, new PredictorCheckpoints(first, changelog, () => {}), 0, 150);
    const issued = before.filter((e) => e.status === 'issued');
    expect(issued).toHaveLength(1);
    expect(await value('vigil_predictor_checkpoints_written_total', { reason: 'prediction' })).toBeGreaterThan(written);
    // The first process dies here: what the next owner gets is what was flushed after each batch.
    const next = new PredictorService(options, RULES);
    const nextCheckpoints = new PredictorCheckpoints(next, changelog, () => {});
    await nextCheckpoints.assigned([metrics(3), metrics(7)]);
    const after = await run(next, nextCheckpoints, 150, 260);
    expect(after.filter((e) => e.status === 'issued')).toEqual([]);
    expect(after.filter((e) => e.status === 'withdrawn').map((e) => e.id)).toEqual([issued[0]!.id]);
  }, 60_000);

  it('writes a checkpoint when a series trains and every N steps, restores only the partitions assigned, and forgets at a rebalance', async () => {
    const options = loadPredictorOptions({ ...ENV, PREDICTOR_RETRAIN_EVERY_ROWS: '1000', PREDICTOR_CHECKPOINT_ROWS: '1000' });
    const changelog = await newChangelog();
    const service = new PredictorService(options, RULES);
    const checkpoints = new PredictorCheckpoints(service, changelog, () => {});
    const trained = await value('vigil_predictor_checkpoints_written_total', { reason: 'trained' });
    const bytes = await value('vigil_predictor_checkpoint_bytes_total');
    await run(service, checkpoints, 0, 30);
    // Before any training and far from 1000 rows: nothing written.
    expect((await changelog.restore([3, 7])).get(3)?.size ?? 0).toBe(0);
    await run(service, checkpoints, 30, 50);
    // Each entity's series trained at row 40: both written at once.
    expect(await value('vigil_predictor_checkpoints_written_total', { reason: 'trained' })).toBe(trained + 2);
    expect(await value('vigil_predictor_checkpoint_bytes_total')).toBeGreaterThan(bytes);
    expect([...(await changelog.restore([3, 7])).values()].map((p) => [...p.keys()])).toEqual([['h1'], ['h2']]);

    const other = new PredictorService(options, RULES);
    const restored = await value('vigil_predictor_checkpoints_restored_total');
    await new PredictorCheckpoints(other, changelog, () => {}).assigned([metrics(7)]);
    expect(await value('vigil_predictor_checkpoints_restored_total')).toBe(restored + 1);
    expect(other.entitiesOf(new Set([3, 7]))).toEqual(['h2']);
    expect(other.forecaster.seriesCount).toBe(2);

    // A rebalance: partition 3 is already another's; what is buffered for it is dropped, nothing is written.
    const written = await value('vigil_predictor_checkpoints_written_total', { reason: 'stop' });
    await checkpoints.revoked([metrics(3)], 'rebalance');
    expect(await value('vigil_predictor_checkpoints_written_total', { reason: 'stop' })).toBe(written);
    expect(service.entitiesOf(new Set([3, 7]))).toEqual(['h2']);
    expect(service.forecaster.seriesCount).toBe(2);
  }, 60_000);

  it('an entity whose series all went idle leaves a tombstone; one that lost a series is rewritten without it', async () => {
    const options = loadPredictorOptions({ ...ENV, PREDICTOR_RETRAIN_EVERY_ROWS: '1000', PREDICTOR_CHECKPOINT_ROWS: '1000', PREDICTOR_IDLE_MS: String(30 * STEP) });
    const changelog = await newChangelog();
    const service = new PredictorService(options, RULES);
    const checkpoints = new PredictorCheckpoints(service, changelog, () => {});
    await run(service, checkpoints, 0, 50);
    expect((await changelog.restore([3])).get(3)?.has('h1')).toBe(true);
    // Only h2 goes on, and only its disk.
    const h2disk = (from: number, to: number) => records(from, to, 'h2').filter((r) => (r.value as MetricSampleValue).metric === 'disk_used_ratio');
    for (let s = 50; s < 150; s += 10) {
      await service.process(h2disk(s, s + 10));
      await checkpoints.afterBatch();
    }
    expect(service.entitiesOf(new Set([3, 7]))).toEqual(['h2']);
    const state = await changelog.restore([3, 7]);
    expect(state.get(3)?.has('h1') ?? false).toBe(false);
    const other = new PredictorService(options, RULES);
    await new PredictorCheckpoints(other, changelog, () => {}).assigned([metrics(7)]);
    expect(other.forecaster.seriesCount).toBe(1);
    expect(other.forecaster.modelVersion(seriesKey({ entity: 'h2', metric: 'disk_used_ratio' }))).toBe(1);
  }, 60_000);

  it('a checkpoint larger than the topic takes is skipped and counted, and holds back no other', async () => {
    const options = loadPredictorOptions({ ...ENV, PREDICTOR_RETRAIN_EVERY_ROWS: '1000', PREDICTOR_CHECKPOINT_ROWS: '1000' });
    const bus = new MemoryBus();
    await bus.applyTopics(topicSpecs(catalogue));
    // h1 (three series, about 22 KB) is over this, h2 (two, about 15 KB) under it.
    const changelog = new BusChangelog(bus, 'aiops.predictor-state', { partitions: 12, maxValueBytes: 18_000 });
    const service = new PredictorService(options, RULES);
    const lines: string[] = [];
    const checkpoints = new PredictorCheckpoints(service, changelog, (l) => lines.push(l));
    const refused = await value('vigil_predictor_checkpoint_failures_total', { reason: 'refused' });
    await run(service, checkpoints, 0, 50);
    expect(await value('vigil_predictor_checkpoint_failures_total', { reason: 'refused' })).toBe(refused + 1);
    expect(lines.join('\n')).toMatch(/h1's checkpoint \(3 series\) is not written \(logged once\): .* the limit is 18000/);
    const state = await changelog.restore([3, 7]);
    expect([state.get(3)?.size ?? 0, state.get(7)?.size ?? 0]).toEqual([0, 1]);
  }, 60_000);
});
