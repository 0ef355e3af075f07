import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleId } from '../src/ingest/sample-ids.js';
import type { BusRecord } from '../src/platform/bus/types.js';
import { KafkaBus } from '../src/platform/kafka/kafka-bus.js';
import { LocalBroker, freePorts } from '../src/platform/kafka/local-broker.js';
import { samplesOf, type MetricRecordValue } from '../src/platform/series/metric-sample.js';
import { loadCatalogue, topicSpecs } from '../src/platform/streams/catalogue.js';
import { REMOTE_WRITE_HEADERS, remoteWriteBody } from './ingest-payloads.js';
import { readAll } from './support/read-all.js';
import { until } from './support/until.js';
import { VigilProcess } from './support/vigil-process.js';

const REQUESTS = 4;
const SAMPLES = 100;
const T0 = 1_700_000_000_000;

/** Request i: SAMPLES samples of one series, so every sample's id is known in advance. */
function request(run: string, i: number): { body: Buffer; ids: string[] } {
  const labels = { instance: `${run}-node-${i}`, job: 'outage' };
  const samples = Array.from({ length: SAMPLES }, (_, j) => [T0 + j * 1000, j] as [number, number]);
  return {
    body: remoteWriteBody([{ labels: { __name__: 'outage_metric', ...labels }, samples }]),
    ids: samples.map(([t]) => sampleId('default', 'outage_metric', labels, t)),
  };
}

/**
 * A broker of this test's own (so the shared one stays up for the other tests), stopped while
 * the gateway takes requests and started again: every request sent meanwhile is refused (503),
 * the retries afterwards succeed, and every sample is on the topic — repeats only as samples
 * already there.
 */
describe('ingest gateway while Kafka is down', () => {
  const run = `io${Date.now().toString(36)}`;
  const dir = `.vigil/test-ingest-outage-${process.pid}`;
  let broker: LocalBroker;
  let vigil: VigilProcess | undefined;
  let base: string;

  beforeAll(async () => {
    const [port, controllerPort, http] = await freePorts(3);
    broker = new LocalBroker({ dir, port, controllerPort, heapMb: 512, log: () => {} });
    await broker.start(120_000);
    const admin = new KafkaBus({ clientId: 'outage-setup', brokers: [broker.bootstrap], logLevel: 1 });
    await admin.connect();
    await admin.applyTopics(topicSpecs(loadCatalogue()));
    await admin.disconnect();
    base = `http://127.0.0.1:${http}`;
    vigil = new VigilProcess(['start', 'ingest', '--port', String(http)], {
      KAFKA_BROKERS: broker.bootstrap,
      INGEST_SEND_TIMEOUT_MS: '3000',
      INGEST_KAFKA_INPUT: 'false',
    });
    await until(async () => (await fetch(`${base}/health/ready`).catch(() => undefined))?.ok === true, 60_000, 'vigil start ingest to be ready');
  });
  afterAll(async () => {
    await vigil?.stop();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 and acknowledges nothing while the broker is down; retries succeed after, nothing lost', async () => {
    const send = async (body: Buffer) => (await fetch(`${base}/api/v1/write`, { method: 'POST', body, headers: REMOTE_WRITE_HEADERS })).status;
    const requests = Array.from({ length: REQUESTS }, (_, i) => request(run, i));

    expect(await send(requests[0]!.body)).toBe(204);

    await broker.stop();
    const during: number[] = [];
    for (const r of requests.slice(1)) during.push(await send(r.body));
    expect(during).toEqual(Array(REQUESTS - 1).fill(503));

    await broker.start(120_000);
    // What a remote_write client does: retry each refused request until it is acknowledged.
    for (const r of requests.slice(1)) {
      await until(async () => (await send(r.body)) === 204, 120_000, 'a retried request to be acknowledged');
    }

    const reader = new KafkaBus({ clientId: 'outage-reader', brokers: [broker.bootstrap], logLevel: 1 });
    await reader.connect();
    // Each request is one record (its one entity's samples); a sample's identity is its id's.
    const samplesIn = (records: BusRecord[]) => records.flatMap((r) => samplesOf(JSON.parse(r.value!.toString()) as MetricRecordValue));
    const got = samplesIn(await readAll(reader, 'telemetry.metrics', (records) => samplesIn(records).length >= REQUESTS * SAMPLES, 60_000));
    await reader.disconnect();
    const expected = new Set(requests.flatMap((r) => r.ids));
    const ids = got.map((s) => sampleId(s.tenant, s.metric, s.labels ?? {}, s.timestamp));
    // Nothing lost: every sample of every request is there.
    expect([...expected].filter((id) => !ids.includes(id))).toEqual([]);
    // Nothing else: a repeat (a send abandoned at the timeout that landed later) carries an id already there.
    expect(ids.every((id) => expected.has(id))).toBe(true);
    expect(new Set(ids).size).toBe(REQUESTS * SAMPLES);

    // The refusals were counted: at least the three requests of the outage, 100 samples each.
    const text = await (await fetch(`${base}/metrics`)).text();
    const unavailable = Number(/^vigil_ingest_samples_rejected_total\{source="remote_write",signal="metrics",reason="unavailable"\} (\S+)$/m.exec(text)?.[1]);
    expect(unavailable).toBeGreaterThanOrEqual((REQUESTS - 1) * SAMPLES);
    expect(/^vigil_ingest_requests_total\{source="remote_write",code="503"\} (\S+)$/m.exec(text)?.[1]).toBeDefined();
  });
});
