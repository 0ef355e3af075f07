import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from '../src/platform/kafka/local-broker.js';
import { seededRandom } from '../src/platform/random.js';
import type { Bus } from '../src/platform/bus/types.js';
import { DATABASE_URL, freshSchema, newSecret, Receiver, rulesDir, startIncidents, type Api } from './incidents-harness.js';
import { SYNTHETIC_METRICS, SYNTHETIC_STEP_MS as STEP_MS } from './support/synthetic-entity.js';
import { brokers, kafkaBus } from './support/kafka.js';
import { until } from './support/until.js';
import { VigilProcess } from './support/vigil-process.js';
import type { AiopsAnomalies } from '../src/platform/streams/records/aiops.anomalies.js';

/**
 * Issue #10, "Service crash": the detector and the incidents service run as `vigil start`
 * processes on the real broker and PostgreSQL while synthetic entities stream their metrics.
 * Each is SIGKILLed in turn mid-batch and started again on the same state:
 *   1. the detector, once every entity has a checkpoint on aiops.detector-state, mid-stream;
 *   2. the incidents service while it groups a burst of findings;
 *   3. the incidents service (where remediation delivery runs) while the receiver holds a
 *      webhook request it has already acted on.
 * Then: no input is lost (every consumer group committed to the end of its topics; every
 * injected fault has its anomaly, its incident and its delivered action; every finding is in
 * the store once), the receiver processed each webhook-id once (repeats counted, acknowledged,
 * never acted on), and the restarted detector took every entity over from its changelog
 * checkpoint instead of starting cold.
 */

const ENTITIES = 3;
const SECRET = newSecret();
const run = `${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
const PREFIX = `crash-${run}`;
const entityName = (e: number) => `crash-${run}-${e}`;
/** Extra findings per wave-1 entity, as a log scorer would add: the incidents service's grouping backlog. */
const BURST_PER_ENTITY = 400;
/** Rows after the detector's restart before wave 1 (a cold detector would still be in its 150-row warm-up). */
const AFTER_RESTART_STEPS = 100;
/** Rows between two excursions of one entity: the detector damps its score for 300 rows after an alarm. */
const BETWEEN_WAVES_STEPS = 340;
const FAULT_STEPS = 40;

type Anomaly = AiopsAnomalies;

/** Every entity's steps, a few at a time (a burst, then steadily), with faults scheduled per entity. */
class Stream {
  step = 0;
  readonly faultAt = new Map<number, number>();
  private readonly rand = Array.from({ length: ENTITIES }, (_, e) => seededRandom(100 + e));
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly bus: Bus,
    readonly start: number,
  ) {}

  /** Each entity's last samples of the latest step, sent with the next records: sends end inside a step, as collectors' do. */
  private readonly carry = new Map<number, Array<{ topic: string; key: string; value: string }>>();

  private records(steps: number): Array<{ topic: string; key: string; value: string }> {
    const perEntity = Array.from({ length: ENTITIES }, (_, e) => [...(this.carry.get(e) ?? [])]);
    for (let k = 0; k < steps; k++, this.step++) {
      const i = this.step;
      const day = Math.sin((2 * Math.PI * i) / 1440);
      for (let e = 0; e < ENTITIES; e++) {
        const entity = entityName(e);
        const fault = this.faultAt.get(e);
        for (const [m, metric] of SYNTHETIC_METRICS.entries()) {
          let value = 10 * (m + 1) * (1 + 0.3 * day) + (this.rand[e]!() - 0.5) * (m + 1);
          if (metric === 'latency_p99_seconds' && fault !== undefined && i >= fault && i < fault + FAULT_STEPS) value += 120 * (1 + (i - fault) / 10);
          perEntity[e]!.push({ topic: 'telemetry.metrics', key: entity, value: JSON.stringify({ entity, metric, timestamp: this.start + i * STEP_MS, value }) });
        }
      }
    }
    for (let e = 0; e < ENTITIES; e++) this.carry.set(e, perEntity[e]!.splice(-3));
    return perEntity.flat();
  }

  async burst(steps: number): Promise<void> {
    for (let done = 0; done < steps; done += 50) await this.bus.send(this.records(Math.min(50, steps - done)));
  }

  /** `stepsPerTick` steps every 100 ms until stopped. */
  steady(stepsPerTick: number): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.bus.send(this.records(stepsPerTick));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** Prometheus text → the value of one series (0 when absent). */
function sample(text: string, name: string): number {
  const m = new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe('service crash: SIGKILL the detector, the incidents service and remediation in turn', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('loses no input, processes no webhook twice, rebuilds per-entity state', async () => {
    const procs: VigilProcess[] = [];
    try {
      await scenario(procs, cleanup);
    } catch (err) {
      // What the services said about it, for the failure report.
      for (const [i, p] of procs.entries()) {
        const lines = p.output.split('\n').filter((l) => /restored|cannot take over|dropped|resumed|error|fail/i.test(l));
        console.log(`process ${i}: ${p.report()}\n  of which about restores, drops, resumes and errors:\n  ${lines.slice(-15).join('\n  ')}`);
      }
      throw err;
    }
  }, 480_000);
});

async function scenario(procs: VigilProcess[], cleanup: Array<() => Promise<void>>): Promise<void> {
  const t0 = Date.now();

  // The receiver acts on each webhook-id once. `hold` makes it act on one request and keep
  // the answer back, so the sender is killed with the delivery in flight.
  let hold: { entities: Set<string>; held: string[] } | undefined;
  const receiver = new Receiver(SECRET, (req) => {
    if (hold && hold.held.length === 0) {
      const entity = (JSON.parse(req.body) as { incident: { entity: string } }).incident.entity;
      if (hold.entities.has(entity)) {
        hold.held.push(req.id);
        return { status: 200, delayMs: 60_000 };
      }
    }
    return { status: 200 };
  });
  await receiver.start();
  cleanup.push(() => receiver.stop());

  const { schema, drop } = await freshSchema();
  cleanup.push(drop);
  const rules = await rulesDir({
    'crash.yaml': `rules:
  - name: crash-restart
    match: { entity: "crash-${run}-*" }
    actions:
      - name: restart
        webhook: { url: "${receiver.url}/restart", secret_env: CRASH_SECRET }
`,
  });
  cleanup.push(rules.remove);

  const common = { KAFKA_BROKERS: brokers(), VIGIL_DEMO: 'false', VIGIL_GROUP_PREFIX: PREFIX, DETECTOR_CHECKPOINT_ROWS: '20' };
  cleanup.push(async () => void (await Promise.all(procs.map((p) => p.stop(5_000)))));
  const kill = async (p: VigilProcess) => {
    const exited = new Promise((r) => p.child.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  };

  const startDetector = async () => {
    const [port] = await freePorts(1);
    const p = new VigilProcess(['start', 'detector', '--port', String(port)], common);
    procs.push(p);
    await p.until(() => p.output.includes('detector consuming'), 90_000, 'the detector consumer');
    await p.serving();
    return { p, metrics: async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text() };
  };
  const incidentsEnv = {
    ...common,
    VIGIL_DATABASE_SCHEMA: schema,
    INCIDENTS_RULES_DIR: rules.dir,
    CRASH_SECRET: SECRET,
    // The stream is back-dated (event time runs a minute per step).
    REMEDIATION_MAX_FINDING_AGE_MS: String(30 * 86_400_000),
    WEBHOOK_TIMEOUT_MS: '60000',
    WEBHOOK_BACKOFF_MS: '100',
    WEBHOOK_BACKOFF_MAX_MS: '500',
  };
  const startInc = async (): Promise<{ p: VigilProcess; api: Api }> => {
    const { vigil, api } = await startIncidents(['incidents', 'remediation'], incidentsEnv);
    procs.push(vigil);
    return { p: vigil, api };
  };

  const bus = kafkaBus();
  await bus.connect();
  cleanup.push(() => bus.disconnect());
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  cleanup.push(() => db.end());
  const count = async (sql: string): Promise<number> => Number((await db.query(sql)).rows[0].n);

  let detector = await startDetector();
  let inc = await startInc();

  // Everything the detector wrote for these entities, read from the start (the services created the topics).
  const anomalies: Anomaly[] = [];
  const reader = await bus.subscribe({ groupId: `reader-crash-${run}`, topics: ['aiops.anomalies'], fromBeginning: true }, async (batch, control) => {
    for (const r of batch.records) {
      const a = JSON.parse(r.value!.toString('utf8')) as Anomaly;
      if (a.entity.startsWith(`crash-${run}-`)) anomalies.push(a);
    }
    await control.commit(String(BigInt(batch.records.at(-1)!.offset) + 1n));
  });
  cleanup.push(() => reader.stop());
  const metricAnomalies = () => anomalies.filter((a) => a.source === 'metrics');

  // Back-dated so the whole run stays in the past (a minute of event time per step).
  const stream = new Stream(bus, Math.floor(Date.now() / STEP_MS) * STEP_MS - 5000 * STEP_MS);
  cleanup.push(() => stream.stop());
  await stream.burst(380);
  stream.steady(2);

  // 1. The detector: once every entity has a checkpoint on its changelog, SIGKILL mid-stream.
  await until(async () => sample(await detector.metrics(), 'vigil_detector_checkpoints_written_total{reason="rows"}') >= ENTITIES, 90_000, 'a checkpoint of every entity');
  const checkpointsBefore = sample(await detector.metrics(), 'vigil_detector_checkpoints_written_total{reason="rows"}');
  await kill(detector.p);
  const killedDetectorAt = stream.step;
  detector = await startDetector();
  await detector.p.until(() => /entities of partition\(s\) [\d, ]+ restored/.test(detector.p.output), 60_000, 'the restarted detector to restore its partitions');
  // Faults after the restart, once the restarted detector's warm-up has passed.
  const wave1 = stream.step + AFTER_RESTART_STEPS;
  for (let e = 0; e < ENTITIES; e++) stream.faultAt.set(e, wave1 + 3 * e);

  // 2. The incidents service, mid-grouping: as wave 1's anomalies come, a burst of further
  // findings for the same entities; SIGKILL while the store holds part of them.
  await until(() => metricAnomalies().some((a) => a.timestamp >= stream.start + wave1 * STEP_MS), 90_000, 'the first wave-1 anomaly');
  const firstWave1 = metricAnomalies().find((a) => a.timestamp >= stream.start + wave1 * STEP_MS)!;
  const burst = Array.from({ length: ENTITIES * BURST_PER_ENTITY }, (_, i) => {
    const entity = entityName(i % ENTITIES);
    const id = `${entity}-log-${i}`;
    const value = { id, entity, timestamp: firstWave1.timestamp + i * 100, source: 'logs', score: 0.7, threshold: 0.5, scorer: 'log-lstm', kind: 'log_sequence' };
    return { topic: 'aiops.anomalies', key: entity, value: JSON.stringify(value) };
  });
  await bus.send(burst);
  const logFindings = `SELECT count(*) AS n FROM "${schema}".findings WHERE id LIKE 'crash-${run}-%-log-%'`;
  await until(async () => (await count(logFindings)) >= burst.length / 5, 60_000, 'the store holding part of the burst');
  const groupedAtKill = await count(logFindings);
  await kill(inc.p);
  inc = await startInc();
  // Every wave-1 entity: its anomaly, its incident, its action delivered.
  await until(() => new Set(metricAnomalies().filter((a) => a.timestamp >= stream.start + wave1 * STEP_MS).map((a) => a.entity)).size === ENTITIES, 90_000, 'a wave-1 anomaly of every entity');
  const delivered = `SELECT count(*) AS n FROM "${schema}".actions WHERE status = 'delivered'`;
  await until(async () => (await count(delivered)) >= ENTITIES, 60_000, 'wave-1 actions delivered');

  // 3. Remediation: wave 2's first webhook is acted on by the receiver, which keeps its answer
  // back; SIGKILL the incidents service while that request is held.
  hold = { entities: new Set(Array.from({ length: ENTITIES }, (_, e) => entityName(e))), held: [] };
  // An alarm damps its entity's scores for the next 300 rows (suppressRows), a false alarm's too,
  // so each entity's wave-2 fault comes BETWEEN_WAVES_STEPS after its latest alarm so far.
  const stepOf = (a: Anomaly) => Math.floor((a.timestamp - stream.start) / STEP_MS);
  const alarmSteps = (e: number) => metricAnomalies().filter((a) => a.entity === entityName(e)).map(stepOf);
  const wave2At = Array.from({ length: ENTITIES }, (_, e) => Math.max(stream.step + 20 + 3 * e, Math.max(wave1, ...alarmSteps(e)) + BETWEEN_WAVES_STEPS));
  wave2At.forEach((step, e) => stream.faultAt.set(e, step));
  const inWave2 = (a: Anomaly) => {
    const from = wave2At[Number(a.entity.slice(a.entity.lastIndexOf('-') + 1))]!;
    return stepOf(a) >= from && stepOf(a) < from + 3 * ENTITIES + FAULT_STEPS;
  };
  await until(() => hold!.held.length > 0 && receiver.inFlight > 0, 120_000, 'a wave-2 webhook held by the receiver');
  await kill(inc.p);
  inc = await startInc();
  const resumedLine = /resumed (\d+) action\(s\)/.exec(inc.p.output);
  await until(() => stream.step > Math.max(...wave2At) + 3 * ENTITIES + FAULT_STEPS + 20, 60_000, 'the stream past wave 2');
  await stream.stop();

  // Drained: every group at the end of what it reads.
  const kafka = new kafkajs.Kafka({ brokers: brokers().split(','), logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  cleanup.push(() => admin.disconnect());
  const lagOf = async (service: string, topic: string): Promise<bigint> => {
    const onCluster = `${process.env.VIGIL_TOPIC_PREFIX ?? ''}${topic}`;
    const [offsets, ends] = await Promise.all([admin.fetchOffsets({ groupId: `${PREFIX}-${service}`, topics: [onCluster] }), admin.fetchTopicOffsets(onCluster)]);
    let lag = 0n;
    for (const e of ends) {
      const c = offsets[0]?.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1';
      lag += BigInt(e.offset) - (c === '-1' ? 0n : BigInt(c));
    }
    return lag;
  };
  const groups: Array<[string, string]> = [
    ['detector', 'telemetry.metrics'],
    ['incidents', 'aiops.anomalies'],
    ['remediation', 'aiops.incidents'],
  ];
  const alarms = () => Array.from({ length: ENTITIES }, (_, e) => `entity ${e}: wave 1 at ${wave1 + 3 * e}, wave 2 at ${wave2At[e]}, alarms at ${alarmSteps(e).join(' ')}`).join('; ');
  await until(() => new Set(metricAnomalies().filter(inWave2).map((a) => a.entity)).size === ENTITIES, 90_000, 'a wave-2 anomaly of every entity').catch((err: Error) => {
    throw new Error(`${err.message} (${alarms()})`);
  });
  await until(async () => (await count(delivered)) >= 2 * ENTITIES, 90_000, 'wave-2 actions delivered');
  // Nothing left to come, known rather than waited out: each group in pipeline order is at the
  // end of its topic (so everything upstream was appended before it was read to the end), no
  // action waits for a decision or a delivery, and the held request came back as a repeat.
  const drained = async () => {
    for (const [s, t] of groups) if ((await lagOf(s, t)) !== 0n) return false;
    return true;
  };
  const unsettled = `SELECT count(*) AS n FROM "${schema}".actions WHERE status IN ('planned', 'approved', 'executing')`;
  await until(async () => (await drained()) && (await count(unsettled)) === 0 && receiver.repeats >= 1, 90_000, 'every consumer group at the end of its topics, every action settled, the held request repeated');

  // (a) No input lost.
  const inWave = (a: Anomaly, from: number) => a.timestamp >= stream.start + from * STEP_MS && a.timestamp < stream.start + (from + 3 * ENTITIES + FAULT_STEPS) * STEP_MS;
  const wave1Anomalies = metricAnomalies().filter((a) => inWave(a, wave1));
  const wave2Anomalies = metricAnomalies().filter(inWave2);
  const anomalyIds = new Set(anomalies.map((a) => a.id));
  const storedFindings = await count(`SELECT count(*) AS n FROM "${schema}".findings WHERE entity LIKE 'crash-${run}-%'`);
  const incidents = (await db.query(`SELECT id, entity, doc FROM "${schema}".incidents WHERE entity LIKE 'crash-${run}-%'`)).rows as Array<{ id: string; entity: string; doc: { occurrences: number; status: string } }>;
  const actions = (await db.query(`SELECT id, incident_id, status FROM "${schema}".actions`)).rows as Array<{ id: string; incident_id: string; status: string }>;
  const deliveredIds = new Set(actions.filter((a) => a.status === 'delivered').map((a) => a.id));

  // (b) Webhooks.
  const requestIds = new Set(receiver.requests.map((r) => r.id));
  // (c) The restarted detector.
  const after = await detector.metrics();
  const restored = sample(after, 'vigil_detector_checkpoints_restored_total');
  const restoredLines = [...detector.p.output.matchAll(/(\d+) entities of partition\(s\) [\d, ]+ restored/g)].reduce((n, m) => n + Number(m[1]), 0);
  const newSeriesDrops = sample(after, 'vigil_detector_samples_dropped_total{reason="new_series"}');
  const afterRestart = metricAnomalies().filter((a) => a.timestamp >= stream.start + killedDetectorAt * STEP_MS);

  console.log(
    `service crash: ${stream.step} steps x ${ENTITIES} entities x ${SYNTHETIC_METRICS.length} metrics; ` +
      `detector SIGKILLed at step ${killedDetectorAt} after ${checkpointsBefore} checkpoint(s), restart restored ${restored} entities (${restoredLines} by its log), ${newSeriesDrops} samples dropped as new series; ` +
      `anomalies after restart ${afterRestart.length} (${[...new Set(afterRestart.map((a) => `${a.scorer}/${a.model_version}`))].join(', ')}), wave 1 ${wave1Anomalies.length}, wave 2 ${wave2Anomalies.length}; ` +
      `incidents SIGKILLed with ${groupedAtKill}/${burst.length} burst findings stored, finally ${storedFindings} findings for ${anomalyIds.size} distinct anomaly ids, ${incidents.length} incidents; ` +
      `SIGKILLed with webhook ${hold.held[0]} held, restart resumed ${resumedLine?.[1] ?? 0}; ` +
      `receiver ${receiver.requests.length} requests, ${requestIds.size} distinct ids, ${receiver.processed.size} processed, ${receiver.repeats} repeats; ${deliveredIds.size} actions delivered; ` +
      `lag 0 on ${groups.map(([s]) => s).join(', ')}; ${alarms()}; ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );

  // (a) Every group committed up to the end (checked above); every fault has its anomaly and
  // its incident; every finding on the topic is in the store, once.
  expect(new Set(wave1Anomalies.map((a) => a.entity)).size).toBe(ENTITIES);
  expect(new Set(wave2Anomalies.map((a) => a.entity)).size).toBe(ENTITIES);
  expect(storedFindings).toBe(anomalyIds.size);
  expect(anomalyIds.size).toBeGreaterThanOrEqual(burst.length + 2 * ENTITIES);
  for (let e = 0; e < ENTITIES; e++) {
    const mine = incidents.filter((i) => i.entity === entityName(e));
    // An incident per excursion at least: wave 1 (its anomaly and the burst) and wave 2.
    expect(mine.length, entityName(e)).toBeGreaterThanOrEqual(2);
    expect(mine.reduce((n, i) => n + i.doc.occurrences, 0), entityName(e)).toBe(anomalies.filter((a) => a.entity === entityName(e)).length);
  }
  // Each wave's anomaly is grouped into an incident; the two waves of an entity into two.
  const findingIncident = new Map(
    ((await db.query(`SELECT id, incident_id FROM "${schema}".findings WHERE id = ANY($1)`, [[...wave1Anomalies, ...wave2Anomalies].map((a) => a.id)])).rows as Array<{ id: string; incident_id: string | null }>).map((r) => [r.id, r.incident_id]),
  );
  for (let e = 0; e < ENTITIES; e++) {
    const first = findingIncident.get(wave1Anomalies.find((a) => a.entity === entityName(e))!.id);
    const second = findingIncident.get(wave2Anomalies.find((a) => a.entity === entityName(e))!.id);
    expect(first, entityName(e)).toBeTruthy();
    expect(second, entityName(e)).toBeTruthy();
    expect(second).not.toBe(first);
  }
  // (b) One action per incident, each delivered; the receiver acted on each webhook-id once
  // and on no other: repeats (the held one, redelivered after the restart) were acknowledged only.
  expect(actions).toHaveLength(incidents.length);
  expect(new Set(actions.map((a) => a.incident_id)).size).toBe(incidents.length);
  expect(deliveredIds.size).toBe(actions.length);
  expect(receiver.requests.every((r) => r.verified)).toBe(true);
  expect(requestIds).toEqual(deliveredIds);
  expect(new Set(receiver.processed.keys())).toEqual(deliveredIds);
  expect(receiver.requests.length).toBe(receiver.processed.size + receiver.repeats);
  expect(deliveredIds.has(hold.held[0]!)).toBe(true);
  expect(receiver.repeats).toBeGreaterThanOrEqual(1);
  // (c) The restarted detector took every entity over from its checkpoint, once: its wave-1
  // anomalies came 100 steps after the restart, inside the 150-step warm-up a cold start would have.
  expect(restored).toBe(ENTITIES);
  expect(restoredLines).toBe(ENTITIES);
  // Resumed inside a step (the stream's sends end mid-step), it kept every series of every entity.
  expect(newSeriesDrops).toBe(0);
  expect(detector.p.output).not.toMatch(/cannot take over/);
  expect(afterRestart.length).toBeGreaterThanOrEqual(2 * ENTITIES);
  expect(afterRestart.every((a) => a.scorer === 'seasonal-shift' && a.model_version === 'seasonal-shift-v1')).toBe(true);
  expect(procs.filter((p) => p.child.signalCode !== 'SIGKILL').every((p) => p.child.exitCode === null)).toBe(true);
}
