import { afterAll, describe, expect, it } from 'vitest';
import { partitionForKey } from '../src/platform/bus/partitioner.js';
import { freePorts } from '../src/platform/kafka/local-broker.js';
import { seededRandom } from '../src/platform/random.js';
import { BusChangelog } from '../src/platform/state/changelog.js';
import { decodeCheckpoint } from '../src/predictor/checkpoint.js';
import type { PredictionEvent } from '../src/predictor/types.js';
import { brokers, committedOffsets, kafkaBus } from './support/kafka.js';
import { until } from './support/until.js';
import { VigilProcess } from './support/vigil-process.js';

const METRICS_TOPIC = 'telemetry.metrics';
const PARTITIONS = 12;
const ENTITIES = 8;
const STEP = 60_000;
const T0 = Date.parse('2026-04-06T00:00:00Z');
/**
 * Trainings fall due at row 40, then 150 rows after the row a series last trained on. The first
 * training is always on rows 0-39 (v1); the second (v2) on rows 190 to 260, wherever the batches
 * happen to end, or on the step after the history if none did. The third could fall due at row
 * 340 at the earliest: past the 296 rows the steps after the move bring, however they are batched.
 */
const HISTORY = 260;
/** Fewer steps after the move than a cold start needs (40): a cold owner could forecast none of them. */
const AFTER_MOVE = 35;
const ENV = {
  PREDICTOR_COLD_START_ROWS: '40',
  PREDICTOR_RETRAIN_EVERY_ROWS: '150',
  PREDICTOR_TRAIN_ROWS: '120',
  PREDICTOR_WINDOW: '8',
  PREDICTOR_HORIZON: '6',
  PREDICTOR_EPOCHS: '30',
  // Every due series trains in its batch: none is left due when the history ends.
  PREDICTOR_MAX_TRAIN_PER_BATCH: '16',
  PREDICTOR_CHECKPOINT_ROWS: '20',
};

/** Step n of every entity's disk: steady around its own level, then (after the move) filling up to 99%. */
function step(n: number, filling: boolean, run: string): Array<{ entity: string; metric: string; labels: Record<string, string>; timestamp: number; value: number }> {
  const random = seededRandom(n + 1);
  return Array.from({ length: ENTITIES }, (_, e) => ({
    entity: `${run}-${e}`,
    metric: 'disk_used_ratio',
    labels: { mount: '/' },
    timestamp: T0 + n * STEP,
    value: filling ? Math.min(0.99, 0.6 + 0.02 * (n - HISTORY - 1)) : 0.5 + 0.01 * e + 0.004 * (random() - 0.5),
  }));
}

const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

/**
 * Issue 17's must-hold for the predictor: two predictors share telemetry.metrics, one is
 * SIGKILLed once its series have trained models checkpointed to aiops.predictor-state; the
 * survivor restores them and forecasts those series on with the restored models — predictions
 * from the checkpointed model versions within fewer steps than a cold start needs, and no training.
 */
describe('predictor hand-over after a crash', () => {
  const procs: VigilProcess[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
  });

  it('the survivor restores the dead predictor series with their models and forecasts them on without training', async () => {
    const run = `phand-${Date.now().toString(36)}`;
    const prefix = `predictor-handover-${Date.now()}`;
    const env = { KAFKA_BROKERS: brokers(), VIGIL_DEMO: 'false', VIGIL_GROUP_PREFIX: prefix, ...ENV };
    const start = async () => {
      const [port] = await freePorts(1);
      const p = new VigilProcess(['start', 'predictor', '--port', String(port)], env);
      procs.push(p);
      await p.serving();
      await p.until(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.ok === true, 60_000, 'readiness');
      return { p, scrape: async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text() };
    };
    const a = await start();
    const b = await start();

    const bus = kafkaBus();
    await bus.connect();
    const predictions: PredictionEvent[] = [];
    const reader = await bus.subscribe({ groupId: `${prefix}-reader`, topics: ['aiops.predictions'], fromBeginning: true }, async (batch, control) => {
      for (const r of batch.records) {
        const p = JSON.parse(r.value!.toString()) as PredictionEvent;
        if (p.entity.startsWith(`${run}-`)) predictions.push(p);
      }
      await control.commit(String(BigInt(batch.records.at(-1)!.offset) + 1n));
    });
    const send = async (from: number, to: number, filling: boolean) => {
      for (let n = from; n < to; n += 20) {
        const records = [];
        for (let k = n; k < Math.min(to, n + 20); k++) for (const s of step(k, filling, run)) records.push({ topic: METRICS_TOPIC, key: s.entity, value: JSON.stringify(s) });
        await bus.send(records);
      }
    };
    const consumed = async (what: string) => {
      const ends = await bus.endOffsets(METRICS_TOPIC);
      await until(async () => {
        const committed = await committedOffsets(`${prefix}-predictor`, METRICS_TOPIC);
        return ends.every((e) => e.offset === '0' || (committed.get(e.partition) ?? -1n) >= BigInt(e.offset));
      }, 180_000, what);
    };
    const state = new BusChangelog(bus, 'aiops.predictor-state', { partitions: PARTITIONS, maxValueBytes: 8 * 1024 * 1024 });
    /** Each of this run's entities' model version in its latest checkpoint. */
    const checkpointed = async () => {
      const versions = new Map<string, number | undefined>();
      for (const entities of (await state.restore(Array.from({ length: PARTITIONS }, (_, p) => p))).values()) {
        for (const [entity, bytes] of entities) if (entity.startsWith(`${run}-`)) versions.set(entity, decodeCheckpoint(bytes).series[0]?.forecast.model?.version);
      }
      return versions;
    };

    // History for both predictors: every series trains twice, each training checkpointed at once. A
    // series trains at most once per batch: one more step, in a batch of its own, trains v2 where
    // the history came in one batch.
    await send(0, HISTORY, false);
    await consumed('the history to be forecast');
    await send(HISTORY, HISTORY + 1, false);
    await consumed('the step after the history to be forecast');
    const versions = await checkpointed();
    expect(versions.size, JSON.stringify([...versions])).toBe(ENTITIES);
    for (const [entity, version] of versions) expect(version, `${entity}'s checkpointed model`).toBe(2);

    const before = b.p.output.length;
    a.p.kill('SIGKILL');
    // The group notices once A's session times out; B restores A's partitions before forecasting them.
    const restoredLine = /aiops\.predictor-state: (\d+) entities of partition\(s\) ([\d, ]+) restored in [\d.]+ s: (\d+) series, (\d+) with a trained model/;
    await b.p.until(() => restoredLine.test(b.p.output.slice(before)), 90_000, 'the survivor to restore the dead predictor partitions');
    const line = restoredLine.exec(b.p.output.slice(before))!;
    const moved = new Set(line[2]!.split(', ').map(Number));
    const movedEntities = Array.from({ length: ENTITIES }, (_, e) => `${run}-${e}`).filter((e) => moved.has(partitionForKey(e, PARTITIONS)));
    expect(movedEntities.length).toBeGreaterThan(0);
    // (Entities of earlier tests on those partitions are restored too.)
    expect(Number(line[1])).toBeGreaterThanOrEqual(movedEntities.length);
    expect(Number(line[4])).toBeGreaterThanOrEqual(movedEntities.length);
    const metricsBefore = await b.scrape();

    await send(HISTORY + 1, HISTORY + 1 + AFTER_MOVE, true);
    await consumed('the steps after the move to be forecast');
    await until(() => movedEntities.every((e) => predictions.some((p) => p.entity === e && p.status === 'issued')), 60_000, () => `an issued prediction of every moved entity (${movedEntities.join(', ')}); got ${predictions.map((p) => `${p.entity} ${p.status}`).join(', ')}`);
    await reader.stop();
    await bus.disconnect();

    for (const entity of movedEntities) {
      const issued = predictions.find((p) => p.entity === entity && p.status === 'issued')!;
      // Forecast from the restored model, from a step after the move (a cold owner would have no model yet).
      expect(issued.model_version, `${entity} (moved)`).toBe(`lstm-v${versions.get(entity)}`);
      expect(issued.timestamp).toBeGreaterThan(T0 + HISTORY * STEP);
      expect(issued.limit.name).toBe('disk-full');
    }
    const metricsAfter = await b.scrape();
    // Nothing trained after the move: the moved series went on with their restored models.
    expect(metric(metricsAfter, 'vigil_predictor_trainings_total')).toBe(metric(metricsBefore, 'vigil_predictor_trainings_total'));
    expect(metric(metricsBefore, 'vigil_predictor_models_restored_total')).toBeGreaterThanOrEqual(movedEntities.length);
    expect(metric(metricsAfter, 'vigil_predictor_checkpoints_restored_total')).toBeGreaterThanOrEqual(movedEntities.length);
    expect(metric(metricsAfter, 'vigil_predictor_checkpoint_bytes_total')).toBeGreaterThan(0);
    expect(b.p.child.exitCode).toBeNull();
  }, 480_000);
});
