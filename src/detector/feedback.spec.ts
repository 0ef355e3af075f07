import { afterEach, describe, expect, it } from 'vitest';
import { StagesService } from '../platform/app/stages.service.js';
import { MemoryBus } from '../platform/bus/memory-bus.js';
import type { Subscription } from '../platform/bus/types.js';
import { loadConfig } from '../platform/config/options.js';
import { registry } from '../platform/metrics/registry.js';
import { loadCatalogue, topicSpecs } from '../platform/streams/catalogue.js';
import { SchemaRegistry } from '../platform/streams/validator.js';
import { openChangelog } from '../platform/state/open-changelog.js';
import { startDetector } from './detector.consumer.js';
import { DetectorService } from './detector.service.js';
import { loadDetectorOptions } from './options.js';
import { evidenceToScore } from '../lib/anomaly/index.js';
import type { FeedbackValue, MetricSampleValue } from './types.js';
import { until } from '../../test/support/until.js';

const catalogue = loadCatalogue();
const schemas = new SchemaRegistry(catalogue);
const quiet = { log: () => {}, warn: () => {} };
const ENTITIES = Array.from({ length: 8 }, (_, i) => `web-${i}`);

async function feedbackCount(kind: string): Promise<number> {
  const values = (await registry.getSingleMetric('vigil_detector_feedback_total')!.get()).values;
  return values.find((v) => v.labels.kind === kind)?.value ?? 0;
}

/** One detector process on the shared in-process bus: its own service, stages and feedback reader. */
async function startProcess(bus: MemoryBus, prefix: string, started: number) {
  const env = { VIGIL_GROUP_PREFIX: prefix, DETECTOR_STEP_MS: '1000' };
  const service = new DetectorService(loadDetectorOptions(env, started));
  const stages = new StagesService(bus, catalogue, schemas, loadConfig(env));
  const changelog = await openChangelog(bus, catalogue, 'aiops.detector-state', { stateDir: '' });
  const reader = await startDetector(service, { stages, changelog, bus, schemas, maxRecordBytes: 1 << 20, log: quiet, feedbackCatchUpMs: 5000 });
  return {
    service,
    stop: async () => {
      await stages.beforeApplicationShutdown();
      await reader.stop();
    },
  };
}

function feedback(id: string, entity: string, kind: FeedbackValue['kind'] = 'false_positive') {
  const value: FeedbackValue = { id, entity, timestamp: Date.now(), kind };
  return { topic: 'aiops.feedback', key: entity, value: JSON.stringify(value) };
}

function samples(entities: readonly string[], fromStep: number, toStep: number) {
  return entities.flatMap((entity) =>
    Array.from({ length: toStep - fromStep }, (_, k) => {
      const value: MetricSampleValue = { entity, metric: 'cpu', timestamp: (fromStep + k) * 1000, value: 50 + Math.sin(fromStep + k) };
      return { topic: 'telemetry.metrics', key: entity, value: JSON.stringify(value) };
    }),
  );
}

describe('detector feedback across processes', () => {
  const running: Array<{ stop(): Promise<void> }> = [];
  afterEach(async () => {
    for (const p of running.splice(0)) await p.stop();
  });

  it('applies feedback for an entity not seen yet when it appears, in whichever process scores it, and a fresh process rebuilds it', async () => {
    const bus = new MemoryBus();
    await bus.applyTopics(topicSpecs(catalogue));
    expect(bus.partitions('aiops.feedback')).toHaveLength(3);
    expect(bus.partitions('telemetry.metrics')).toHaveLength(12);
    const prefix = `spec-feedback-${Date.now()}`;
    const counted = await feedbackCount('false_positive');
    const target = 'web-7';
    // Operator feedback before any detector has seen the entity (the same record twice: a redelivery).
    await bus.send([feedback('fb-1', target), feedback('fb-1', target)]);

    // Two processes in the shared group: the metrics partitions are split between them.
    const a = await startProcess(bus, prefix, 1);
    running.push(a);
    const b = await startProcess(bus, prefix, 2);
    running.push(b);
    // Each read all of aiops.feedback before scoring: both hold the adjustment, applied once.
    for (const p of [a, b]) {
      expect(p.service.detector.riskScale(target)).toBeCloseTo(0.1, 12);
      expect(p.service.detector.threshold(target)).toBeUndefined();
    }

    await bus.send(samples(ENTITIES, 0, 30));
    const owner = () => [a, b].find((p) => p.service.detector.threshold(target) !== undefined);
    await until(() => ENTITIES.every((e) => [a, b].some((p) => p.service.detector.threshold(e) !== undefined)), 20_000, 'every entity scored');
    const alarmRisk = a.service.detector.options.alarmRisk;
    const raised = evidenceToScore(-Math.log10(alarmRisk * 0.1));
    const plain = evidenceToScore(-Math.log10(alarmRisk));
    expect(raised).toBeGreaterThan(plain);
    expect(owner()!.service.detector.threshold(target)).toBeCloseTo(raised, 12);
    for (const e of ENTITIES.filter((x) => x !== target)) {
      const p = [a, b].find((q) => q.service.detector.threshold(e) !== undefined)!;
      expect(p.service.detector.threshold(e)).toBeCloseTo(plain, 12);
    }
    // Counted once for the fleet (by the shared group's reader), not once per process or per copy.
    await until(async () => (await feedbackCount('false_positive')) - counted >= 1, 20_000, 'the feedback counted');
    await a.stop();
    await b.stop();
    running.length = 0;
    // Both stopped, so nothing is in flight: a second count would be here by now.
    expect((await feedbackCount('false_positive')) - counted).toBe(1);

    // A restart: a fresh process rebuilds the adjustment from the topic before it scores anything.
    const c = await startProcess(bus, prefix, 3);
    running.push(c);
    expect(c.service.detector.riskScale(target)).toBeCloseTo(0.1, 12);
    expect(c.service.detector.riskScale('web-1')).toBe(1);
    await bus.send(samples([target, 'web-1'], 30, 40));
    await until(() => c.service.detector.threshold(target) !== undefined && c.service.detector.threshold('web-1') !== undefined, 20_000, 'the restarted process scoring');
    expect(c.service.detector.threshold(target)).toBeCloseTo(raised, 12);
    expect(c.service.detector.threshold('web-1')).toBeCloseTo(plain, 12);
    // Feedback arriving now applies at once to the entity it holds, in this process too.
    await bus.send([feedback('fb-2', 'web-1')]);
    await until(() => c.service.detector.riskScale('web-1') < 1, 20_000, 'the live feedback');
    expect(c.service.detector.threshold('web-1')).toBeCloseTo(raised, 12);
    // The shared group had committed fb-1: only fb-2 is counted now.
    await until(async () => (await feedbackCount('false_positive')) - counted >= 2, 20_000, 'fb-2 counted');
    expect((await feedbackCount('false_positive')) - counted).toBe(2);
  });

  it('stops its feedback reader when the scoring stage cannot start', async () => {
    const bus = new MemoryBus();
    await bus.applyTopics(topicSpecs(catalogue));
    let readers = 0;
    // The real in-process bus; only the reader's subscription is counted while it is open.
    const counting = Object.assign(Object.create(bus) as MemoryBus, {
      subscribe: async (...args: Parameters<MemoryBus['subscribe']>): Promise<Subscription> => {
        const sub = await bus.subscribe(...args);
        readers++;
        return { ...sub, stop: async () => { readers--; await sub.stop(); } };
      },
    });
    const env = { VIGIL_GROUP_PREFIX: `spec-start-${Date.now()}` };
    const service = new DetectorService(loadDetectorOptions(env));
    const stages = { start: () => Promise.reject(new Error('topic telemetry.metrics does not exist')) };
    const changelog = await openChangelog(bus, catalogue, 'aiops.detector-state', { stateDir: '' });
    await expect(startDetector(service, { stages, changelog, bus: counting, schemas, maxRecordBytes: 1 << 20, log: quiet, feedbackCatchUpMs: 1000 })).rejects.toThrow(/does not exist/);
    expect(readers).toBe(0);
  });
});
