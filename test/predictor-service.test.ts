import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePorts } from '../src/platform/kafka/local-broker.js';
import type { Bus } from '../src/platform/bus/types.js';
import { seededRandom } from '../src/platform/random.js';
import { brokers, kafkaBus } from './support/kafka.js';
import { VigilProcess } from './support/vigil-process.js';
import type { PredictionEvent } from '../src/predictor/types.js';

const STEP_MS = 60_000;
const PEAK = 125;
const STEPS = 200;
/** A short cold start and a small model, so the whole story fits in well under a minute. */
const FAST_ENV = { PREDICTOR_COLD_START_ROWS: '40', PREDICTOR_RETRAIN_EVERY_ROWS: '40', PREDICTOR_TRAIN_ROWS: '120', PREDICTOR_WINDOW: '8', PREDICTOR_HORIZON: '6', PREDICTOR_EPOCHS: '30' };

/** Disk climbs 0.3% a minute from 60% (crossing 95% near step 117), then drops to 40% at PEAK and stays. */
function diskSamples(entity: string, start: number): Array<{ entity: string; metric: string; timestamp: number; value: number; labels: Record<string, string> }> {
  const random = seededRandom(5);
  const out = [];
  for (let i = 0; i < STEPS; i++) {
    const disk = (i < PEAK ? 0.6 + 0.003 * i : 0.4) + 0.002 * (random() - 0.5);
    const labels = { service: 'storage' };
    out.push({ entity, metric: 'disk_used_ratio', timestamp: start + i * STEP_MS, value: disk, labels });
    out.push({ entity, metric: 'cpu_utilization', timestamp: start + i * STEP_MS, value: 30 + (i % 7), labels });
  }
  return out;
}

/** What the predictor writes (its type derives from streams/schemas/aiops.predictions.schema.json). */
type Prediction = PredictionEvent;

describe('predictor service on Kafka', () => {
  let vigil: VigilProcess | undefined;
  let bus: Bus | undefined;
  afterEach(async () => {
    await vigil?.stop();
    vigil = undefined;
    await bus?.disconnect();
    bus = undefined;
  });

  it('`vigil start predictor`: a disk that climbs steadily gets a prediction before it breaches 95%, withdrawn after it recovers', async () => {
    const entity = `disk-${Date.now().toString(36)}`;
    const start = Math.floor(Date.now() / STEP_MS) * STEP_MS - (STEPS + 10) * STEP_MS;
    const [port] = await freePorts(1);
    vigil = new VigilProcess(['start', 'predictor', '--port', String(port)], {
      KAFKA_BROKERS: brokers(),
      VIGIL_DEMO: 'false',
      VIGIL_GROUP_PREFIX: `predictor-${Date.now()}`,
      ...FAST_ENV,
    });
    await vigil.until(() => vigil!.output.includes('predictor consuming telemetry.metrics'), 120_000, 'the predictor consumer');

    bus = kafkaBus();
    await bus.connect();
    const samples = diskSamples(entity, start);
    for (let i = 0; i < samples.length; i += 100) {
      await bus.send(samples.slice(i, i + 100).map((s) => ({ topic: 'telemetry.metrics', key: s.entity, value: JSON.stringify(s) })));
    }

    const found: Prediction[] = [];
    const sub = await bus.subscribe({ groupId: `reader-predictions-${Date.now()}`, topics: ['aiops.predictions'], fromBeginning: true }, async (batch, control) => {
      for (const r of batch.records) {
        const p = JSON.parse(r.value!.toString('utf8')) as Prediction;
        if (p.entity === entity) found.push(p);
      }
      await control.commit(String(BigInt(batch.records.at(-1)!.offset) + 1n));
    });
    try {
      await vigil.until(() => found.some((p) => p.status === 'withdrawn'), 120_000, `a withdrawn prediction for ${entity}`);
    } finally {
      await sub.stop();
    }
    const breachAt = start + samples.filter((s) => s.metric === 'disk_used_ratio').findIndex((s) => s.value > 0.95) * STEP_MS;
    const issued = found.filter((p) => p.status === 'issued');
    expect(issued).toHaveLength(1);
    const first = issued[0]!;
    expect(first.timestamp).toBeLessThan(breachAt);
    expect(first).toMatchObject({ metric: 'disk_used_ratio', limit: { name: 'disk-full', op: '>', value: 0.95 } });
    expect(first.expected_breach_at).toBeGreaterThan(first.timestamp);
    expect(first.forecast.length).toBe(6);
    expect(first.forecast.some((f) => f.upper > 0.95)).toBe(true);
    // One prediction: every record (issued, updates, withdrawal) carries its id; the withdrawal comes after the drop.
    expect(found.every((p) => p.id === first.id)).toBe(true);
    const withdrawn = found.find((p) => p.status === 'withdrawn')!;
    expect(withdrawn.timestamp).toBeGreaterThanOrEqual(start + PEAK * STEP_MS);

    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toMatch(/^vigil_predictor_forecasts_total [1-9]/m);
    expect(text).toMatch(/^vigil_predictor_predictions_total\{status="issued"\} 1$/m);
    expect(text).toMatch(/^vigil_predictor_predictions_total\{status="withdrawn"\} 1$/m);
    expect(text).toMatch(/^vigil_predictor_training_seconds_total [0-9.]*[1-9]/m);
    expect(text).toMatch(/^vigil_predictor_models 1$/m);
    // Each training's model went to the store.
    expect(text).toMatch(/^vigil_predictor_models_saved_total [1-9]/m);
    expect(readdirSync(join(vigil.stateDir, 'predictor-models'))).toHaveLength(1);
    const v = vigil;
    vigil = undefined;
    const code = await v.stop();
    expect(code === 0 || v.child.signalCode === 'SIGTERM', `exit ${code} ${v.child.signalCode}`).toBe(true);
  }, 300_000);
});
