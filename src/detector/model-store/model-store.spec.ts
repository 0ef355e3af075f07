import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../platform/ml/backend.js';
import { directoryLoadHandler } from '../../platform/ml/model-files.js';
import { parseSeriesKey, seriesKey } from '../../platform/series/series-identity.js';
import type { InRecord } from '../../platform/stage/types.js';
import { DetectorService } from '../detector.service.js';
import { loadDetectorOptions } from '../options.js';
import type { DetectorOverrides } from '../scoring/options.js';
import { reconstructionErrors } from '../scoring/autoencoder.js';
import { encodeSnapshot } from './model-snapshot.js';
import { ModelStore } from './model-store.js';

// Small and quick, but the real training path: cold start after 80 rows, a retrain every 40.
const FAST: DetectorOverrides = { warmupRows: 20, minPeaks: 5, autoencoder: { coldStartRows: 80, retrainEveryRows: 40, ensemble: 2, epochs: 4, windowRows: 4 } };
const METRICS = ['cpu', 'latency', 'errors'];
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** Steps [from, to) of one entity, one record per metric, a second apart. */
function steps(entity: string, from: number, to: number, metrics = METRICS): InRecord<unknown>[] {
  const out: InRecord<unknown>[] = [];
  for (let i = from; i < to; i++) {
    metrics.forEach((metric, j) => {
      const value = { entity, metric, timestamp: T0 + i * 1000, value: Math.sin(i / 10 + j) + 0.01 * ((i * 7 + j) % 5) };
      out.push({ topic: 'telemetry.metrics', partition: 0, offset: String(out.length), key: entity, value, headers: {}, timestamp: value.timestamp, trace: ROOT_CONTEXT });
    });
  }
  return out;
}

describe('ModelStore', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend(() => {});
    dir = await mkdtemp(join(tmpdir(), 'vigil-models-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a restarted detector takes over the saved models and scores with the autoencoder without retraining', async () => {
    const first = new DetectorService(loadDetectorOptions({}), FAST);
    await first.loadModels(new ModelStore(dir), () => {});
    await first.process(steps('host-a', 0, 100));
    await first.whenSaved();
    const trained = first.detector.modelsOf('host-a')!;
    expect(trained.version).toBe(1);

    const second = new DetectorService(loadDetectorOptions({}), FAST);
    expect(await second.loadModels(new ModelStore(dir), () => {})).toBe(1);
    const scored = await second.process(steps('host-a', 100, 120));
    // The first few rows only learn the sampling interval (score 0); every row after is the model's.
    expect(scored.slice(6).length).toBeGreaterThan(10);
    expect(scored.slice(6).every((s) => s.result.scorer === 'autoencoder')).toBe(true);
    const restored = second.detector.modelsOf('host-a')!;
    expect(restored.version).toBe(1);
    expect([...restored.center]).toEqual([...trained.center]);
    restored.models.forEach((m, k) => {
      expect([...m.w1]).toEqual([...trained.models[k]!.w1]);
      expect([...m.b2]).toEqual([...trained.models[k]!.b2]);
    });
  });

  it('restarted from a commit that split a step (its first samples of the step already committed), takes over the model with every metric', async () => {
    const first = new DetectorService(loadDetectorOptions({}), FAST);
    await first.loadModels(new ModelStore(dir), () => {});
    await first.process(steps('host-d', 0, 100));
    await first.whenSaved();

    const log: string[] = [];
    const second = new DetectorService(loadDetectorOptions({}), FAST);
    await second.loadModels(new ModelStore(dir), (line) => log.push(line));
    // The crashed process had committed cpu and latency of step 100: the stream resumes at its errors sample.
    const scored = await second.process(steps('host-d', 100, 130).slice(2));
    expect(log).toEqual([]);
    expect(second.aligner.seriesOf('host-d').map((key) => parseSeriesKey(key).metric)).toEqual(METRICS);
    expect(second.aligner.dropped.new_series).toBe(0);
    expect(second.detector.modelsOf('host-d')?.version).toBe(1);
    expect(scored.slice(6).every((s) => s.result.scorer === 'autoencoder')).toBe(true);
  });

  it('finds a model another process saved after this one started (its partition moved here)', async () => {
    const later = new DetectorService(loadDetectorOptions({}), FAST);
    await later.loadModels(new ModelStore(dir), () => {});
    const owner = new DetectorService(loadDetectorOptions({}), FAST);
    await owner.loadModels(new ModelStore(dir), () => {});
    await owner.process(steps('host-c', 0, 100));
    await owner.whenSaved();
    await later.process(steps('host-c', 100, 110));
    expect(later.detector.modelsOf('host-c')?.version).toBe(1);
  });

  it('learns anew when the entity now reports different metrics than its stored model knew', async () => {
    const log: string[] = [];
    const service = new DetectorService(loadDetectorOptions({}), FAST);
    await service.loadModels(new ModelStore(dir), (line) => log.push(line));
    const scored = await service.process(steps('host-a', 100, 110, ['cpu', 'latency', 'disk']));
    expect(scored.every((s) => s.result.scorer === 'baseline')).toBe(true);
    expect(log.join('\n')).toMatch(/host-a v1 was trained on \[cpu, latency, errors\], the stream now has \[cpu, latency, errors, disk\]; learning anew/);
  });

  it('still reads a version written in format 1 (model.json + weights.bin by tf.io.encodeWeights)', async () => {
    const own = await mkdtemp(join(tmpdir(), 'vigil-models-'));
    try {
      const trainer = new DetectorService(loadDetectorOptions({}), FAST);
      await trainer.process(steps('host-old', 0, 100));
      const trained = trainer.detector.modelsOf('host-old')!;
      const snapshot = { entity: 'host-old', metrics: METRICS, ...trained };
      // Laid out as the store wrote it before: <folder>/v1/{model.json,weights.bin}, current = v1.
      const store = new ModelStore(own);
      // Saving and loading through tfjs Layers models leaves no tensor behind.
      const tensors = tf.memory().numTensors;
      await store.save(snapshot);
      expect((await store.load('host-old'))!.models).toHaveLength(2);
      expect(tf.memory().numTensors).toBe(tensors);
      const [folder] = await readdir(own);
      const v1 = join(own, folder!, 'v1');
      await rm(v1, { recursive: true });
      const { json, weights } = await encodeSnapshot(snapshot);
      await mkdir(v1);
      await writeFile(join(v1, 'model.json'), JSON.stringify(json));
      await writeFile(join(v1, 'weights.bin'), new Uint8Array(weights));
      const loaded = (await store.load('host-old'))!;
      expect(loaded.version).toBe(trained.version);
      expect(loaded.metrics).toEqual(METRICS);
      expect([...loaded.scale]).toEqual([...trained.scale]);
      loaded.models.forEach((m, k) => {
        expect([...m.w1]).toEqual([...trained.models[k]!.w1]);
        expect([...m.b1]).toEqual([...trained.models[k]!.b1]);
        expect([...m.w2]).toEqual([...trained.models[k]!.w2]);
        expect([...m.b2]).toEqual([...trained.models[k]!.b2]);
      });
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it('writes each new version beside the old, points current at it, and keeps only the current and the previous one', async () => {
    const service = new DetectorService(loadDetectorOptions({}), FAST);
    const own = await mkdtemp(join(tmpdir(), 'vigil-models-'));
    try {
      await service.loadModels(new ModelStore(own), () => {});
      // Batches of 20 steps, as a stream brings them: trains at 80 rows, then every 40.
      for (let from = 0; from < 220; from += 20) await service.process(steps('host-b', from, from + 20));
      await service.whenSaved();
      const version = service.detector.modelsOf('host-b')!.version;
      expect(version).toBeGreaterThanOrEqual(3);
      const [folder] = await readdir(own);
      const entries = (await readdir(join(own, folder!))).sort();
      expect(entries).toEqual(['current', `v${version - 1}`, `v${version}`].sort());
      expect((await readFile(join(own, folder!, 'current'), 'utf8')).trim()).toBe(`v${version}`);
      const versionDir = join(own, folder!, `v${version}`);
      expect((await readdir(versionDir)).sort()).toEqual(['ensemble.json', 'member0', 'member1']);
      const meta = JSON.parse(await readFile(join(versionDir, 'ensemble.json'), 'utf8'));
      // Its slots are series keys (tenant + entity + metric + labels), which name the series back.
      expect(meta).toMatchObject({ format: 'vigil-autoencoder-ensemble/2', entity: 'host-b', version, metrics: METRICS.map((metric) => seriesKey({ entity: 'host-b', metric })), members: ['member0', 'member1'] });
      // Each member is a plain tfjs Layers model (model.json + weights.bin) that tfjs itself loads
      // and runs: its output is the input minus the reconstruction error the detector computes.
      const json = JSON.parse(await readFile(join(versionDir, 'member0', 'model.json'), 'utf8'));
      expect(json.format).toBe('layers-model');
      expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
      const net = await tf.loadLayersModel(directoryLoadHandler(join(versionDir, 'member0')));
      const member = service.detector.modelsOf('host-b')!.models[0]!;
      const x = Float32Array.from({ length: member.inputSize }, (_, i) => Math.sin(i));
      const y = tf.tidy(() => (net.predict(tf.tensor2d(x, [1, member.inputSize])) as tf.Tensor).dataSync());
      net.dispose();
      const [errors] = reconstructionErrors([member], [{ windows: x, count: 1 }]);
      y.forEach((v, i) => expect((v - x[i]!) ** 2).toBeCloseTo(errors![i]!, 5));
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it('refuses a version whose parts disagree (normalisation, metric names, member inputs) when it is read', async () => {
    const service = new DetectorService(loadDetectorOptions({}), FAST);
    const own = await mkdtemp(join(tmpdir(), 'vigil-models-'));
    try {
      await service.loadModels(new ModelStore(own), () => {});
      await service.process(steps('host-c', 0, 100));
      await service.whenSaved();
      const store = new ModelStore(own);
      expect(await store.load('host-c')).toBeDefined();
      const [folder] = await readdir(own);
      const current = (await readFile(join(own, folder!, 'current'), 'utf8')).trim();
      const metaFile = join(own, folder!, current, 'ensemble.json');
      const meta = JSON.parse(await readFile(metaFile, 'utf8'));
      await writeFile(metaFile, JSON.stringify({ ...meta, metrics: METRICS.slice(0, 2) }));
      const errors: string[] = [];
      expect(await store.loadAll((_, err) => errors.push(err.message))).toEqual([]);
      expect(errors[0]).toMatch(/normalisation for 3\/3 metrics, names for 2/);
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });
});
