import { ROOT_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../platform/bus/memory-bus.js';
import type { InRecord } from '../platform/stage/types.js';
import { openChangelog } from '../platform/state/open-changelog.js';
import { loadCatalogue, topicSpecs } from '../platform/streams/catalogue.js';
import { seededRandom } from '../platform/random.js';
import { DetectorCheckpoints } from './detector-checkpoints.js';
import { DetectorService, type ScoredStep } from './detector.service.js';
import { loadDetectorOptions } from './options.js';
import type { MetricSampleValue } from './types.js';

const catalogue = loadCatalogue();
const STEP = 60_000;
const T0 = Date.UTC(2026, 0, 5);

/** Two hosts on partitions 3 and 7, two series each (one a counter), then a fault on h1. */
function records(from: number, to: number): InRecord<unknown>[] {
  const out: InRecord<unknown>[] = [];
  for (let step = from; step < to; step++) {
    const random = seededRandom(step);
    for (const [entity, partition] of [['h1', 3], ['h2', 7]] as const) {
      const fault = entity === 'h1' && step >= 1500 && step < 1520 ? 40 : 0;
      const samples: MetricSampleValue[] = [
        { entity, metric: 'cpu', labels: { cpu: '0' }, timestamp: T0 + step * STEP, value: 20 + 5 * Math.sin(step / 50) + random() + fault },
        { entity, metric: 'requests_total', timestamp: T0 + step * STEP, value: step * 100 + Math.floor(random() * 10), kind: 'counter' },
      ];
      for (const value of samples) out.push({ topic: 'telemetry.metrics', partition, offset: String(out.length), key: entity, value, headers: {}, timestamp: value.timestamp, trace: ROOT_CONTEXT });
    }
  }
  return out;
}

/** The detector's changelog on an in-process bus of its own. */
async function newChangelog() {
  const bus = new MemoryBus();
  await bus.applyTopics(topicSpecs(catalogue));
  return openChangelog(bus, catalogue, 'aiops.detector-state', { stateDir: '' });
}

const scores = (steps: ScoredStep[]) => steps.map((s) => `${s.step.entity}@${s.step.time}: ${s.result.score.toFixed(9)}${s.event ? ' event' : ''}`);

describe('DetectorCheckpoints', () => {
  it('a process that stops checkpoints its entities; the next owner restores them and scores exactly as one process would have', async () => {
    const options = loadDetectorOptions({ DETECTOR_CHECKPOINT_ROWS: '50' });
    const changelog = await newChangelog();
    const metrics = (partition: number) => ({ topic: 'telemetry.metrics', partition });

    const whole = new DetectorService(options);
    const expected = scores([...(await whole.process(records(0, 1000))), ...(await whole.process(records(1000, 2000)))]);

    const first = new DetectorService(options);
    const firstCheckpoints = new DetectorCheckpoints(first, changelog, () => {});
    const before = await first.process(records(0, 1000));
    await firstCheckpoints.afterBatch();
    await firstCheckpoints.revoked([metrics(3), metrics(7), { topic: 'aiops.feedback', partition: 0 }], 'stop');
    expect(first.detector.entityIds()).toEqual([]);

    const next = new DetectorService(options);
    const lines: string[] = [];
    await new DetectorCheckpoints(next, changelog, (l) => lines.push(l)).assigned([metrics(3), metrics(7)]);
    expect(lines.join('\n')).toMatch(/2 entities of partition\(s\) 3, 7 restored/);
    expect(next.aligner.seriesOf('h1')).toEqual(whole.aligner.seriesOf('h1'));
    const after = await next.process(records(1000, 2000));
    // The step open at the hand-over (999) closes in the next owner with the samples it got.
    expect(scores([...before, ...after])).toEqual(expected);
    expect(after.some((s) => s.event && s.step.entity === 'h1')).toBe(true);
  });

  it('restores only the partitions assigned, and writes checkpoints as rows come, staggered', async () => {
    const options = loadDetectorOptions({ DETECTOR_CHECKPOINT_ROWS: '100' });
    const changelog = await newChangelog();
    const service = new DetectorService(options);
    const checkpoints = new DetectorCheckpoints(service, changelog, () => {});
    let written = 0;
    for (let s = 0; s < 300; s += 10) {
      await service.process(records(s, s + 10));
      await checkpoints.afterBatch();
      written = (await changelog.restore([3, 7])).get(3)?.size ?? 0;
    }
    expect(written).toBe(1);
    const other = new DetectorService(options);
    await new DetectorCheckpoints(other, changelog, () => {}).assigned([{ topic: 'telemetry.metrics', partition: 7 }]);
    expect(other.detector.entityIds()).toEqual(['h2']);
  });

  it('entities keep their own checkpoint phase after a catch-up batch held many steps of each', async () => {
    const options = loadDetectorOptions({ DETECTOR_CHECKPOINT_ROWS: '100' });
    const service = new DetectorService(options);
    const fleet = Array.from({ length: 20 }, (_, i) => `host-${i}`);
    const batch = (from: number, to: number) => {
      const out: InRecord<unknown>[] = [];
      for (let step = from; step < to; step++) {
        for (const entity of fleet) {
          const value: MetricSampleValue = { entity, metric: 'cpu', timestamp: T0 + step * STEP, value: 20 + Math.sin(step / 7) };
          out.push({ topic: 'telemetry.metrics', partition: 0, offset: String(out.length), key: entity, value, headers: {}, timestamp: value.timestamp, trace: ROOT_CONTEXT });
        }
      }
      return out;
    };
    // History caught up in one batch: every entity falls due at once, and is written.
    await service.process(batch(0, 170));
    expect(service.dueForCheckpoint()).toHaveLength(fleet.length);
    for (const entity of service.dueForCheckpoint()) service.checkpoint(entity);
    // Then one step a batch: the writes spread out again (with a reset to 0 all 20 came due together).
    const perStep: number[] = [];
    for (let step = 170; step < 370; step++) {
      await service.process(batch(step, step + 1));
      const due = service.dueForCheckpoint();
      perStep.push(due.length);
      for (const entity of due) service.checkpoint(entity);
    }
    expect(perStep.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2 * fleet.length - fleet.length / 2);
    expect(Math.max(...perStep)).toBeLessThanOrEqual(5);
  });

  it('an entity forgotten for being idle leaves a tombstone, so it is not restored later', async () => {
    const options = loadDetectorOptions({ DETECTOR_CHECKPOINT_ROWS: '10', DETECTOR_IDLE_MS: String(50 * STEP) });
    const changelog = await newChangelog();
    const service = new DetectorService(options);
    const checkpoints = new DetectorCheckpoints(service, changelog, () => {});
    await service.process(records(0, 40));
    await checkpoints.afterBatch();
    expect((await changelog.restore([3])).get(3)?.has('h1')).toBe(true);
    // Only h2 goes on.
    for (let s = 40; s < 200; s += 10) {
      await service.process(records(s, s + 10).filter((r) => (r.value as MetricSampleValue).entity === 'h2'));
      await checkpoints.afterBatch();
    }
    expect(service.detector.entityIds()).toEqual(['h2']);
    expect((await changelog.restore([3])).get(3)?.has('h1') ?? false).toBe(false);
  });
});
