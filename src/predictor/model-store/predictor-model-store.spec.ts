import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../platform/ml/backend.js';
import { seriesKey } from '../../platform/series/series-identity.js';
import { parseLimitRules } from '../limits/limit-rules.js';
import { loadPredictorOptions } from '../options.js';
import { PredictorService } from '../predictor.service.js';
import { diskSeries, records } from '../testing/disk-fixture.js';
import { PredictorModelStore } from './predictor-model-store.js';

const RULES = parseLimitRules([{ file: 'test.yaml', text: 'limits:\n  - { name: disk-full, metric: disk_used_ratio, op: ">", value: 0.95 }\n' }]);
/** The series are keyed as everywhere: tenant + entity + metric + labels. */
const DISK_A = seriesKey({ entity: 'host-a', metric: 'disk_used_ratio' });
const DISK_C = seriesKey({ entity: 'host-c', metric: 'disk_used_ratio' });
const ENV = { PREDICTOR_COLD_START_ROWS: '40', PREDICTOR_RETRAIN_EVERY_ROWS: '1000', PREDICTOR_TRAIN_ROWS: '120', PREDICTOR_WINDOW: '8', PREDICTOR_HORIZON: '6', PREDICTOR_EPOCHS: '5' };

describe('PredictorModelStore', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend(() => {});
    dir = await mkdtemp(join(tmpdir(), 'vigil-predictor-models-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a restarted predictor takes over the saved model and forecasts after one window, without training', async () => {
    const values = diskSeries(1000, 100);
    const first = new PredictorService(loadPredictorOptions({ ...ENV, PREDICTOR_MODEL_DIR: dir }), RULES);
    await first.loadModels(new PredictorModelStore(dir), () => {});
    await first.process(records('host-a', values, 0, 50));
    await first.whenSaved();
    expect(first.forecaster.trainings).toBe(1);
    const [folder] = await readdir(dir);
    expect((await readFile(join(dir, folder!, 'current'), 'utf8')).trim()).toBe('v1');
    const json = JSON.parse(await readFile(join(dir, folder!, 'v1', 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);

    const second = new PredictorService(loadPredictorOptions({ ...ENV, PREDICTOR_MODEL_DIR: dir }), RULES);
    expect(await second.loadModels(new PredictorModelStore(dir), () => {})).toBe(1);
    await second.process(records('host-a', values, 50, 70));
    expect(second.forecaster.trainings).toBe(0);
    expect(second.forecaster.modelVersion(DISK_A)).toBe(1);
    expect(second.forecaster.restoredCount).toBe(1);
    const trained = first.forecaster.modelOf(DISK_A)!;
    const restored = second.forecaster.modelOf(DISK_A)!;
    expect(restored.spec).toEqual(trained.spec);
    expect([...restored.weights.wh]).toEqual([...trained.weights.wh]);
    expect([...restored.weights.wl]).toEqual([...trained.weights.wl]);
  }, 60_000);

  it('finds a model another process saved after this one started (its partition moved here)', async () => {
    const values = diskSeries(1000, 100, 6);
    const later = new PredictorService(loadPredictorOptions({ ...ENV, PREDICTOR_MODEL_DIR: dir }), RULES);
    await later.loadModels(new PredictorModelStore(dir), () => {});
    const owner = new PredictorService(loadPredictorOptions({ ...ENV, PREDICTOR_MODEL_DIR: dir }), RULES);
    await owner.loadModels(new PredictorModelStore(dir), () => {});
    await owner.process(records('host-c', values, 0, 50));
    await owner.whenSaved();
    await later.process(records('host-c', values, 50, 60));
    expect(later.forecaster.trainings).toBe(0);
    expect(later.forecaster.modelVersion(DISK_C)).toBe(1);
  }, 60_000);
});
