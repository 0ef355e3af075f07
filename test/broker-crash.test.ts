import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OutRecord } from '../src/platform/bus/types.js';
import type { Bus } from '../src/platform/bus/types.js';
import { topicSpecs } from '../src/platform/streams/catalogue.js';
import { brokers, kafkaBus, ownBroker } from './support/kafka.js';
import { readAll } from './support/read-all.js';
import { startWorker } from './support/stage-worker-process.js';
import { testCatalogue } from './support/test-catalogue.js';

const TOTAL = 20_000;
const CHUNK = 200;

/**
 * The broker is SIGKILLed during a steady stream and started again on the same store: the
 * producer retries what was not acknowledged, the platform consumer (its own process) rides it
 * out, and every input comes out the other side — duplicates only as replays with the same id.
 */
describe.skipIf(!ownBroker())('broker crash', () => {
  const { catalogue, names, raw } = testCatalogue({
    in: { schema: 'telemetry.metrics', partitions: 4 },
    out: { schema: 'telemetry.metrics', partitions: 4, dlq: false },
  });
  let bus: Bus;

  beforeAll(async () => {
    bus = kafkaBus();
    await bus.connect();
    await bus.applyTopics(topicSpecs(catalogue));
  });
  afterAll(async () => bus.disconnect());
  const workers: Array<ReturnType<typeof startWorker>> = [];
  afterEach(async () => {
    for (const w of workers.splice(0)) if (!w.watch.exited) await w.kill('SIGKILL');
  });

  it('loses nothing when the broker is SIGKILLed mid-stream and restarted', async () => {
    const broker = ownBroker()!;
    const worker = startWorker({
      brokers: brokers(),
      catalogue: raw,
      input: names.in,
      output: names.out,
      group: `broker-crash-${Date.now()}`,
      workMs: 5,
      maxBytesPerPartition: 32 * 1024,
    });
    workers.push(worker);
    await worker.ready;

    // A steady producer that retries a chunk until the broker acknowledges it (at least once).
    let resent = 0;
    let sent = 0;
    let killed = false;
    let restarted: Promise<void> | undefined;
    for (let i = 0; i < TOTAL; i += CHUNK) {
      const chunk: OutRecord[] = Array.from({ length: CHUNK }, (_, j) => {
        const n = i + j;
        return { topic: names.in!, key: `host-${n % 100}`, value: JSON.stringify({ entity: `host-${n % 100}`, metric: 'cpu', timestamp: 1_700_000_000_000 + n, value: n }) };
      });
      for (;;) {
        try {
          await bus.send(chunk);
          break;
        } catch {
          resent++;
          await new Promise((r) => setTimeout(r, 200)); // a retry's pause, while the broker is down
        }
      }
      sent += CHUNK;
      if (!killed && sent >= TOTAL / 4) {
        killed = true;
        broker.kill();
        // Down for a few seconds while the producer keeps trying, then back on the same store:
        // the outage is the thing under test.
        restarted = new Promise((r) => setTimeout(r, 3_000)).then(() => broker.start(120_000));
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await restarted;

    // Every input's output: a value each (re-sends and replays come too, as repeats).
    const valueOf = (o: { value: Buffer | null }) => (JSON.parse(o.value!.toString()) as { value: number }).value;
    await readAll(bus, names.out!, (got) => new Set(got.map(valueOf)).size >= TOTAL, 180_000);
    await worker.kill('SIGTERM');
    const outputs = await readAll(bus, names.out!, 0, 180_000); // all the stopped worker wrote

    const ids = outputs.map((o) => o.headers['vigil-id']);
    const distinctIds = new Set(ids);
    const values = new Set(outputs.map(valueOf));
    // The worker has stopped: its dead letters, if any, were appended before it did.
    const dead = await readAll(bus, names['in.dlq']!, 0, 60_000);
    console.log(
      `broker crash: ${TOTAL} distinct inputs (${resent} producer retries), ${outputs.length} outputs, ${distinctIds.size} distinct ids, ` +
        `${ids.length - distinctIds.size} replayed with the same id, ${distinctIds.size - values.size} re-sent by the producer (new id), ${dead.length} dead-lettered`,
    );
    // Every input is scored or dead-lettered: nothing is lost.
    expect(values.size + dead.length).toBeGreaterThanOrEqual(TOTAL);
    expect([...values].every((v) => v >= 0 && v < TOTAL)).toBe(true);
    expect(dead.length).toBe(0);
    // A repeated output is a replay of the same input record: same id, same value.
    const byId = new Map<string, number>();
    for (const o of outputs) {
      const v = (JSON.parse(o.value!.toString()) as { value: number }).value;
      const id = o.headers['vigil-id']!;
      if (byId.has(id)) expect(byId.get(id)).toBe(v);
      byId.set(id, v);
    }
  }, 420_000); // bounds: the broker restart, then up to 180 s for the outputs
});
