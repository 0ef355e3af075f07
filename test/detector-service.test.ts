import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../src/platform/bus/types.js';
import { freePorts } from '../src/platform/kafka/local-broker.js';
import { brokers, kafkaBus } from './support/kafka.js';
import { backDatedStart, grossFaultEntity, SYNTHETIC_METRICS } from './support/synthetic-entity.js';
import { VigilProcess } from './support/vigil-process.js';
import type { AiopsAnomalies } from '../src/platform/streams/records/aiops.anomalies.js';

type Anomaly = AiopsAnomalies;

/** Bound on each wait: only a hang should reach it. */
const WAIT_MS = 120_000;
/** The sum of a metric's series (any labels) in a Prometheus text exposition. */
const total = (text: string, name: string) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);

/**
 * Delivery through the real broker, not detection quality (that is the offline evaluation's,
 * `vigil evaluate` on labelled data): every sample the detector reads is scored, and a gross
 * fault (every metric 50 standard deviations off) is flagged while it lasts.
 */
describe('detector service on Kafka', () => {
  let vigil: VigilProcess | undefined;
  let bus: Bus | undefined;
  afterEach(async () => {
    await vigil?.stop();
    vigil = undefined;
    await bus?.disconnect();
    bus = undefined;
  });

  it('`vigil start detector`: scores every sample of an entity and flags its gross fault on aiops.anomalies', async () => {
    const entity = `synthetic-${Date.now().toString(36)}`;
    const { samples, faultStart, faultEnd } = grossFaultEntity(entity, backDatedStart());
    const [port] = await freePorts(1);
    const v = (vigil = new VigilProcess(['start', 'detector', '--port', String(port)], { KAFKA_BROKERS: brokers(), VIGIL_DEMO: 'false', VIGIL_GROUP_PREFIX: `detector-${Date.now()}` }));
    await v.until(() => v.output.includes('detector consuming telemetry.metrics, aiops.feedback'), WAIT_MS, 'the detector consumer');
    await v.serving();
    const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

    bus = kafkaBus();
    await bus.connect();
    for (let i = 0; i < samples.length; i += 1000) {
      await bus.send(samples.slice(i, i + 1000).map((s) => ({ topic: 'telemetry.metrics', key: s.entity, value: JSON.stringify(s) })));
    }
    const found: Anomaly[] = [];
    const sub = await bus.subscribe({ groupId: `reader-anomalies-${Date.now()}`, topics: ['aiops.anomalies'], fromBeginning: true }, async (batch, control) => {
      for (const r of batch.records) {
        const a = JSON.parse(r.value!.toString('utf8')) as Anomaly;
        if (a.entity === entity) found.push(a);
      }
      await control.commit(String(BigInt(batch.records.at(-1)!.offset) + 1n));
    });
    try {
      // Every step is scored once a later sample closes it: all but the last step's samples.
      // (This file's topics are its own, so the counter is this entity's alone.)
      const scored = async () => total(await metrics(), 'vigil_detector_samples_scored_total');
      await v.until(async () => (await scored()) >= samples.length - SYNTHETIC_METRICS.length, WAIT_MS, `${samples.length - SYNTHETIC_METRICS.length} samples scored`);
      expect(await scored()).toBeLessThanOrEqual(samples.length);
      expect(total(await metrics(), 'vigil_detector_samples_dropped_total')).toBe(0);
      // The fault is flagged while it lasts (whatever else the detector flags is not this test's business).
      await v.until(() => found.some((a) => a.timestamp >= faultStart && a.timestamp < faultEnd), WAIT_MS, `an anomaly of ${entity} during its fault`);
    } finally {
      await sub.stop();
    }

    const text = await metrics();
    expect(text).toMatch(new RegExp(`^vigil_detector_anomalies_total\\{entity="${entity}"\\} [1-9]`, 'm'));
    expect(text).toMatch(/^vigil_detector_entities [1-9]/m);
    vigil = undefined;
    const code = await v.stop();
    // Nest re-raises the signal once its shutdown hooks are done: exit by SIGTERM, after the consumer stopped.
    expect(code === 0 || v.child.signalCode === 'SIGTERM', `exit ${code} ${v.child.signalCode}`).toBe(true);
    expect(v.output).toMatch(/stopping 1 consumers on SIGTERM/);
  }, 4 * WAIT_MS);
});
