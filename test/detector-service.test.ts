import { freePorts } from '../src/platform/kafka/local-broker.js';
import { seededRandom } from '../src/platform/random.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { KafkaBus } from '../src/platform/kafka/kafka-bus.js';
import { brokers, kafkaBus } from './support/kafka.js';
import { until } from './support/until.js';
import { VigilProcess } from './support/vigil-process.js';

const METRICS = ['cpu_utilization', 'memory_used_ratio', 'request_rate', 'latency_p99_seconds', 'error_ratio', 'disk_used_ratio', 'network_in_bytes', 'gc_pause_seconds'];
const BAD_METRIC = 'latency_p99_seconds';
const STEP_MS = 60_000;
const QUIET_STEPS = 600;
const BAD_STEPS = 40;


/** 8 metrics with a daily cycle and noise, one step a minute; after a quiet start, one metric climbs. */
function syntheticEntity(entity: string, start: number): Array<{ entity: string; metric: string; timestamp: number; value: number }> {
  const rand = seededRandom(11);
  const out = [];
  for (let i = 0; i <= QUIET_STEPS + BAD_STEPS; i++) {
    const day = Math.sin((2 * Math.PI * i) / 1440);
    for (const [k, metric] of METRICS.entries()) {
      let value = 10 * (k + 1) * (1 + 0.3 * day) + (rand() - 0.5) * (k + 1);
      if (metric === BAD_METRIC && i >= QUIET_STEPS) value += 120 * (1 + (i - QUIET_STEPS) / 10);
      out.push({ entity, metric, timestamp: start + i * STEP_MS, value });
    }
  }
  return out;
}

interface Anomaly {
  entity: string;
  timestamp: number;
  score: number;
  threshold: number;
  scorer: string;
  contributions: Array<{ metric: string; share: number }>;
}

describe('detector service on Kafka', () => {
  let vigil: VigilProcess | undefined;
  let bus: KafkaBus | undefined;
  afterEach(async () => {
    if (vigil?.child.exitCode === null && vigil.child.signalCode === null) await vigil.stop();
    vigil = undefined;
    await bus?.disconnect();
    bus = undefined;
  });

  it('`vigil start detector`: a synthetic entity whose latency climbs after a quiet start gets an anomaly naming latency first', async () => {
    const entity = `synthetic-${Date.now().toString(36)}`;
    const start = Math.floor(Date.now() / STEP_MS) * STEP_MS - (QUIET_STEPS + BAD_STEPS + 10) * STEP_MS;
    const [port] = await freePorts(1);
    vigil = new VigilProcess(['start', 'detector', '--port', String(port)], { KAFKA_BROKERS: brokers(), VIGIL_DEMO: 'false', VIGIL_GROUP_PREFIX: `detector-${Date.now()}` });
    await until(() => vigil!.output.includes('detector consuming telemetry.metrics, aiops.feedback'), 45_000, 'the detector consumer');

    bus = kafkaBus();
    await bus.connect();
    const samples = syntheticEntity(entity, start);
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
      await until(() => found.length > 0, 45_000, `an anomaly for ${entity}`);
    } finally {
      await sub.stop();
    }
    const first = found[0]!;
    expect(first.timestamp).toBeGreaterThanOrEqual(start + QUIET_STEPS * STEP_MS);
    expect(first.score).toBeGreaterThanOrEqual(first.threshold);
    expect(first.contributions[0]!.metric).toBe(BAD_METRIC);
    expect(first.contributions[0]!.share).toBeGreaterThan(0.3);

    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toMatch(/^vigil_model_backend_info\{backend="(wasm|cpu|tensorflow|tensorflow-gpu)"\} 1$/m);
    expect(text).toMatch(/^vigil_detector_anomalies_total\{entity="[^"]+"\} [1-9]/m);
    expect(text).toMatch(/^vigil_detector_samples_scored_total [1-9]/m);
    expect(text).toMatch(/^vigil_detector_entities [1-9]/m);
    const v = vigil;
    vigil = undefined;
    const code = await v.stop();
    // Nest re-raises the signal once its shutdown hooks are done: exit by SIGTERM, after the consumer stopped.
    expect(code === 0 || v.child.signalCode === 'SIGTERM', `exit ${code} ${v.child.signalCode}`).toBe(true);
    expect(v.output).toMatch(/stopping 1 consumers on SIGTERM/);
  }, 90_000);
});
