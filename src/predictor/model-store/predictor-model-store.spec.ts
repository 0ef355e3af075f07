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
const ENV = { PREDICTOR_COLD_START_ROWS: '40', PREDICTOR_RETRAIN_EVERY_ROWS: '1000', PREDICTOR_TRAIN_ROWS: '120', PREDICTOR_WINDOW: '8', PREDICTOR_HORIZON: '6', PREDICTOR_EPOCHS: '5' };

describe('PredictorModelStore (the model export)', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend(() => {});
    dir = await mkdtemp(join(tmpdir(), 'vigil-predictor-models-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('exports each trained model in the tfjs layout; it reads back as the same weights and normalisation', async () => {
    const values = diskSeries(1000, 100);
    const service = new PredictorService(loadPredictorOptions({ ...ENV, PREDICTOR_MODEL_DIR: dir }), RULES);
    service.exportModelsTo(new PredictorModelStore(dir));
    await service.process(records('host-a', values, 0, 50));
    await service.whenSaved();
    expect(service.forecaster.trainings).toBe(1);
    const [folder] = await readdir(dir);
    expect((await readFile(join(dir, folder!, 'current'), 'utf8')).trim()).toBe('v1');
    const json = JSON.parse(await readFile(join(dir, folder!, 'v1', 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);

    const trained = service.forecaster.modelOf(DISK_A)!;
    const exported = (await new PredictorModelStore(dir).load(DISK_A))!;
    expect(exported.version).toBe(1);
    expect(exported.spec).toEqual(trained.spec);
    expect([...exported.weights.wh]).toEqual([...trained.weights.wh]);
    expect([...exported.weights.wl]).toEqual([...trained.weights.wl]);
    expect([...(await new PredictorModelStore(dir).loadAll()).keys()]).toEqual([DISK_A]);
  }, 60_000);

  it('is never read back: a predictor over the same directory without a checkpoint starts the series cold', async () => {
    const values = diskSeries(1000, 100);
    const later = new PredictorService(loadPredictorOptions({ ...ENV, PREDICTOR_MODEL_DIR: dir }), RULES);
    later.exportModelsTo(new PredictorModelStore(dir));
    await later.process(records('host-a', values, 50, 70));
    expect(later.forecaster.modelVersion(DISK_A)).toBeUndefined();
    expect(later.forecaster.restoredCount).toBe(0);
  }, 60_000);
});
