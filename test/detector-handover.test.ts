import { afterAll, describe, expect, it } from 'vitest';
import type { BusRecord } from '../src/platform/bus/types.js';
import { partitionForKey } from '../src/platform/bus/partitioner.js';
import { freePorts } from '../src/platform/kafka/local-broker.js';
import { seededRandom } from '../src/platform/random.js';
import { brokers, committedOffsets, kafkaBus } from './support/kafka.js';
import { until } from './support/until.js';
import { VigilProcess } from './support/vigil-process.js';

const METRICS_TOPIC = 'telemetry.metrics';
const PARTITIONS = 12;
const ENTITIES = 12;
const METRICS = ['cpu', 'latency', 'errors'];
const STEP = 60_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');
const HISTORY = 500;
/** The fault starts this many steps after the survivor has taken the dead detector's partitions. */
const FAULT_AFTER_MOVE = 10;
const FAULT_STEPS = 20;
const AFTER_FAULT = 190;

/** A quiet step of every entity (bounded noise around its own levels), or the fault: latency ten spreads up. */
function step(n: number, fault: boolean): Array<{ entity: string; metric: string; timestamp: number; value: number }> {
  const random = seededRandom(n + 1);
  return Array.from({ length: ENTITIES }, (_, e) => METRICS.map((metric, j) => ({
    entity: `handover-${e}`,
    metric,
    timestamp: T0 + n * STEP,
    value: 10 * (e + 1) + 5 * j + (random() - 0.5) + (fault && metric === 'latency' ? 10 : 0),
  }))).flat();
}

/**
 * The must-hold of state that moves with its partition: two detectors share telemetry.metrics,
 * one is SIGKILLed mid-stream, the survivor restores the dead one's entities from
 * aiops.detector-state and scores them on: a fault 10 steps after the move is flagged, and
 * nothing else alarms in the quiet steps around it. A cold owner would be blind for its
 * warm-up (150 steps) and then judge against a few dozen steps of history.
 */
describe('detector hand-over after a crash', () => {
  const procs: VigilProcess[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
  });

  it('the survivor takes the dead detector partitions with their state: flags a fault 10 steps after the move, nothing else', async () => {
    const prefix = `handover-${Date.now()}`;
    const env = { KAFKA_BROKERS: brokers(), VIGIL_DEMO: 'false', VIGIL_GROUP_PREFIX: prefix, DETECTOR_CHECKPOINT_ROWS: '20' };
    const start = async () => {
      const [port] = await freePorts(1);
      const p = new VigilProcess(['start', 'detector', '--port', String(port)], env);
      procs.push(p);
      await p.serving();
      await until(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.ok === true, 60_000, 'readiness');
      return p;
    };
    const a = await start();
    const b = await start();

    const bus = kafkaBus();
    await bus.connect();
    const anomalies: BusRecord[] = [];
    const reader = await bus.subscribe({ groupId: `${prefix}-reader`, topics: ['aiops.anomalies'], fromBeginning: true }, async (batch, control) => {
      anomalies.push(...batch.records);
      await control.commit(String(BigInt(batch.records.at(-1)!.offset) + 1n));
    });
    const send = async (from: number, to: number, fault = false) => {
      for (let n = from; n < to; n += 20) {
        const records = [];
        for (let k = n; k < Math.min(to, n + 20); k++) for (const s of step(k, fault)) records.push({ topic: METRICS_TOPIC, key: s.entity, value: JSON.stringify(s) });
        await bus.send(records);
      }
    };
    const consumed = async (what: string) => {
      const ends = await bus.endOffsets(METRICS_TOPIC);
      let committed = new Map<number, bigint>();
      await until(async () => {
        committed = await committedOffsets(`${prefix}-detector`, METRICS_TOPIC);
        return ends.every((e) => e.offset === '0' || (committed.get(e.partition) ?? -1n) >= BigInt(e.offset));
      }, 120_000, what).catch((err: Error) => {
        const tail = (p: VigilProcess) => p.output.split('\n').slice(-15).join('\n');
        throw new Error(`${err.message}: ends ${JSON.stringify(ends)}, committed ${JSON.stringify([...committed].map(([k, v]) => [k, String(v)]))}\nA:\n${tail(a)}\nB:\n${tail(b)}`);
      });
    };

    // History for both detectors; both checkpoint as they go (every 20 steps).
    await send(0, HISTORY);
    await consumed('the history to be scored');
    const before = b.output.length;
    a.child.kill('SIGKILL');
    // The group notices after A's session times out, then B restores A's partitions before scoring them.
    await until(() => /entities of partition\(s\) [\d, ]+ restored/.test(b.output.slice(before)), 90_000, 'the survivor to restore the dead detector partitions');
    const line = /(\d+) entities of partition\(s\) ([\d, ]+) restored/.exec(b.output.slice(before))!;
    const moved = new Set(line[2]!.split(', ').map(Number));
    const movedEntities = Array.from({ length: ENTITIES }, (_, e) => `handover-${e}`).filter((e) => moved.has(partitionForKey(e, PARTITIONS)));
    expect(movedEntities.length).toBeGreaterThan(0);
    expect(Number(line[1])).toBe(movedEntities.length);

    const faultAt = HISTORY + FAULT_AFTER_MOVE;
    await send(HISTORY, faultAt);
    await send(faultAt, faultAt + FAULT_STEPS, true);
    await send(faultAt + FAULT_STEPS, faultAt + FAULT_STEPS + AFTER_FAULT);
    await consumed('the steps after the move to be scored');
    await until(() => new Set(anomalies.map((r) => JSON.parse(r.value!.toString()).entity)).size >= ENTITIES, 30_000, 'an anomaly of every entity').catch(() => undefined);
    await reader.stop();
    await bus.disconnect();

    const events = anomalies.map((r) => JSON.parse(r.value!.toString()) as { entity: string; timestamp: number; labels: Record<string, string> });
    const stepOf = (t: number) => Math.round((t - T0) / STEP);
    const inFault = (n: number) => n >= faultAt && n < faultAt + FAULT_STEPS;
    for (const entity of movedEntities) {
      const own = events.filter((e) => e.entity === entity).map((e) => stepOf(e.timestamp));
      expect(own.filter(inFault).length, `${entity} (moved) flagged during the fault at ${faultAt}: ${own.join(', ')}`).toBeGreaterThan(0);
      expect(own.filter((n) => n >= HISTORY - 200 && !inFault(n)), `${entity} (moved): alarms outside the fault`).toEqual([]);
    }
    expect(b.child.exitCode).toBeNull();
  }, 360_000);
});
