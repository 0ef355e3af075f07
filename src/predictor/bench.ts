/**
 * Development bench (not part of the service): `npx tsx src/predictor/bench.ts [entities] [steps]`.
 * Entities with a noisy daily disk curve go through PredictorService.process in micro-batches
 * of 20 steps: first the cold start (until every series has trained once, at most
 * maxTrainPerUpdate per batch, in stacked calls), then `steps` timed steps of forecasting and
 * limit checks only. Prints samples/s and forecasts/s.
 */
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { initBackend } from '../platform/ml/backend.js';
import { seededRandom } from '../platform/random.js';
import type { InRecord } from '../platform/stage/types.js';
import { parseLimitRules } from './limits/limit-rules.js';
import { loadPredictorOptions } from './options.js';
import { PredictorService } from './predictor.service.js';

const entities = Number(process.argv[2] ?? 20);
const timedSteps = Number(process.argv[3] ?? 200);
const STEP = 60_000;
const BATCH = 20;

function batch(from: number, to: number, random: () => number): InRecord<unknown>[] {
  const out: InRecord<unknown>[] = [];
  for (let i = from; i < to; i++) {
    for (let e = 0; e < entities; e++) {
      const value = { entity: `host-${e}`, metric: 'disk_used_ratio', timestamp: i * STEP, value: 0.5 + 0.1 * Math.sin((2 * Math.PI * i) / 1440 + e) + 0.01 * random() };
      out.push({ topic: 'telemetry.metrics', partition: 0, offset: String(i * entities + e), key: value.entity, value, headers: {}, timestamp: value.timestamp, trace: ROOT_CONTEXT });
    }
  }
  return out;
}

await initBackend((m) => console.log(m));
const rules = parseLimitRules([{ file: 'bench.yaml', text: 'limits:\n  - { name: disk-full, metric: disk_used_ratio, op: ">", value: 0.95 }\n' }]);
const service = new PredictorService(loadPredictorOptions({ PREDICTOR_MODEL_DIR: '' }), rules);
const random = seededRandom(1);
// Cold start: steps until every series has its first model (at most maxTrainPerUpdate trained per batch).
let step = 0;
let t0 = performance.now();
while (service.forecaster.modelCount < entities) {
  await service.process(batch(step, step + BATCH, random));
  step += BATCH;
}
const coldSeconds = (performance.now() - t0) / 1000;
t0 = performance.now();
for (let i = step; i < step + timedSteps; i += BATCH) await service.process(batch(i, i + BATCH, random));
const seconds = (performance.now() - t0) / 1000;
const samples = entities * timedSteps;
console.log(
  `${entities} series: cold start until every series has a model ${coldSeconds.toFixed(1)} s (${service.forecaster.trainingSeconds.toFixed(1)} s training, ${(service.forecaster.trainingSeconds / entities).toFixed(2)} s per series, ${step} steps); ` +
    `then ${samples} samples in ${seconds.toFixed(2)} s: ${Math.round(samples / seconds)} samples/s forecast (H=${service.forecaster.options.horizon}), batches of ${BATCH} steps × ${entities} series`,
);
