import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/platform/bus/types.js';
import { topicSpecs } from '../src/platform/streams/catalogue.js';
import { brokers, committedOffsets, kafkaBus } from './support/kafka.js';
import { readAll } from './support/read-all.js';
import { startWorker } from './support/stage-worker-process.js';
import { testCatalogue } from './support/test-catalogue.js';
import { until } from './support/until.js';

const TOTAL = 100_000;

describe('platform consumer through a real broker', () => {
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

  it('loses nothing when the consumer is SIGKILLed mid-stream and restarted', async () => {
    const records = Array.from({ length: TOTAL }, (_, i) => ({
      topic: names.in!,
      key: `host-${i % 500}`,
      value: JSON.stringify({ entity: `host-${i % 500}`, metric: 'cpu', timestamp: 1_700_000_000_000 + i, value: i }),
    }));
    for (let i = 0; i < TOTAL; i += 10_000) await bus.send(records.slice(i, i + 10_000));

    const config = {
      brokers: brokers(),
      catalogue: raw,
      input: names.in,
      output: names.out,
      group: `crash-${Date.now()}`,
      workMs: 40,
      afterSendMs: 60,
      maxBytesPerPartition: 32 * 1024,
    };
    const first = startWorker(config);
    workers.push(first);
    await first.ready;
    // Let it get well into the stream, then kill it without any chance to clean up.
    await until(() => first.batches() >= 20, 120_000, 'twenty batches of the first worker', first.watch);
    await first.kill('SIGKILL');
    // What the group had committed when it died: everything before it must not come again.
    const committed = await committedOffsets(config.group, names.in!);

    const second = startWorker(config);
    workers.push(second);
    await second.ready;
    // Every input's output (repeats of in-flight batches come too, with the same id); then,
    // the worker stopped, all it wrote.
    await readAll(bus, names.out!, (got) => new Set(got.map((o) => o.headers['vigil-id'])).size >= TOTAL, 180_000);
    expect(await second.kill('SIGTERM')).toBe(0);
    const outputs = await readAll(bus, names.out!, 0, 180_000);

    const ids = outputs.map((o) => o.headers['vigil-id']);
    const distinct = new Set(ids);
    const duplicates = ids.length - distinct.size;
    console.log(`consumer crash: ${TOTAL} in, ${distinct.size} distinct out, ${duplicates} duplicates (first worker ran ${first.batches()} batches)`);
    expect(distinct.size).toBe(TOTAL);
    // Only the batches in flight at the kill (one per partition at most) come again.
    const values = new Set(outputs.map((o) => (JSON.parse(o.value!.toString()) as { value: number }).value));
    expect(values.size).toBe(TOTAL);
    // 32 KiB fetches hold well under 2,000 of these records.
    expect(duplicates).toBeLessThanOrEqual(4 * 2_000);
    // Duplicates come only from what was in flight: inputs at or after the committed offset of
    // their partition (processed by the first worker, not yet committed when it was killed).
    const seen = new Map<string, number>();
    for (const id of ids) seen.set(id!, (seen.get(id!) ?? 0) + 1);
    const twice = outputs.filter((o) => seen.get(o.headers['vigil-id']!)! > 1);
    const sources = twice.map((o) => (JSON.parse(o.value!.toString()) as { labels: { src_partition: string; src_offset: string } }).labels);
    const early = sources.filter((l) => BigInt(l.src_offset) < (committed.get(Number(l.src_partition)) ?? 0n));
    console.log(`consumer crash: committed at the kill ${JSON.stringify(Object.fromEntries([...committed].map(([p, o]) => [p, String(o)])))}; duplicated inputs before it: ${early.length}`);
    expect(early).toEqual([]);
  }, 420_000); // bounds: two workers, then up to 180 s for the outputs
});
