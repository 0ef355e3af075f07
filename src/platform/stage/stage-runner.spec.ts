import { describe, expect, it, vi } from 'vitest';
import { MemoryBus } from '../bus/memory-bus.js';
import type { BusRecord, OutRecord } from '../bus/types.js';
import { topicSpecs } from '../streams/catalogue.js';
import { DLQ_HEADERS } from './dead-letter.js';
import { StageRunner } from './stage-runner.js';
import type { StageOptions } from './types.js';
import { catalogue, schemas } from '../../../test/support/stage-catalogue.js';
import { until } from '../../../test/support/until.js';


type Sample = { entity: string; metric: string; timestamp: number; value: number };
const sample = (value: number): Sample => ({ entity: 'h', metric: 'm', timestamp: 1, value });

async function setup(records: Array<string | Buffer>, options: Partial<StageOptions<Sample>>, bus = new MemoryBus()) {
  await bus.applyTopics(topicSpecs(catalogue));
  await bus.send(records.map((value) => ({ topic: 'in', key: 'h', value })));
  const runner = new StageRunner<Sample>(bus, catalogue, schemas, {
    service: `spec-${Math.random()}`,
    topics: ['in'],
    retryBackoffMs: 1,
    handle: async (rs) => rs.map((r) => ({ topic: 'out', key: r.key, id: `o-${r.offset}`, value: r.value })),
    ...options,
  });
  await runner.start();
  return { bus, runner };
}

const written = (bus: MemoryBus) => ({ out: bus.read('out', 0, 0, 1e6), dlq: bus.partitions('in.dlq').flatMap((p) => p.records) });

/** Waits until the stage has written at least `want` outputs and dead letters; returns what it wrote. */
async function drain(bus: MemoryBus, want: { out: number; dlq: number }): Promise<{ out: BusRecord[]; dlq: BusRecord[] }> {
  await until(() => written(bus).out.length >= want.out && written(bus).dlq.length >= want.dlq, 30_000, `${want.out} outputs and ${want.dlq} dead letters`);
  return written(bus);
}

describe('StageRunner', () => {
  it('dead-letters malformed, invalid and oversized records with their reason and processes the rest', async () => {
    const { bus, runner } = await setup(
      [
        JSON.stringify(sample(1)),
        '{"entity": "h", "metric":',
        JSON.stringify({ ...sample(2), value: 'high' }),
        JSON.stringify({ ...sample(3), note: 'x'.repeat(300) }),
        JSON.stringify(sample(4)),
      ],
      { maxRecordBytes: 200 },
    );
    const { out, dlq } = await drain(bus, { out: 2, dlq: 3 });
    await runner.stop();
    expect(out.map((r) => JSON.parse(r.value!.toString()).value)).toEqual([1, 4]);
    expect(dlq.map((r) => r.headers[DLQ_HEADERS.reason])).toEqual(['invalid_json', 'schema', 'oversize']);
    expect(dlq[1]!.headers[DLQ_HEADERS.error]).toBe('/value: must be number');
    expect(dlq[0]!.headers[DLQ_HEADERS.offset]).toBe('1');
    expect(dlq[0]!.headers[DLQ_HEADERS.topic]).toBe('in');
    // The original bytes are kept, so nothing is lost and the record can be replayed.
    expect(dlq[0]!.value!.toString()).toBe('{"entity": "h", "metric":');
  });

  it('takes batched records whole: a batch with one bad sample is one dead letter naming the sample', async () => {
    const batch = (values: unknown[]) => JSON.stringify({ entity: 'h', samples: values.map((value, i) => ({ metric: `m${i}`, timestamp: 1, value })) });
    const { bus, runner } = await setup([batch([1, 2, 3]), batch([4, 'high', 6]), JSON.stringify(sample(7))], {});
    const { out, dlq } = await drain(bus, { out: 2, dlq: 1 });
    await runner.stop();
    // The valid batch reaches the handler as one record of three samples; single samples stay valid.
    expect(out.map((r) => JSON.parse(r.value!.toString()))).toEqual([JSON.parse(batch([1, 2, 3])), sample(7)]);
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.headers[DLQ_HEADERS.reason]).toBe('schema');
    expect(dlq[0]!.headers[DLQ_HEADERS.error]).toBe('/samples/1/value: must be number');
    expect(dlq[0]!.value!.toString()).toBe(batch([4, 'high', 6]));
  });

  it('hands a large fetched batch to the handler 512 records at a time, in order, and commits it once they are all done', async () => {
    const calls: Array<{ first: string; size: number; committed: number | undefined; end: boolean | undefined }> = [];
    const bus = new MemoryBus({ maxBatch: 1300 });
    const group = () => bus.committedOffset('slices', 'in', 0);
    const { runner } = await setup(
      Array.from({ length: 1300 }, (_, i) => JSON.stringify(sample(i))),
      {
        groupId: 'slices',
        handle: async (rs, ctx) => {
          calls.push({ first: rs[0]!.offset, size: rs.length, committed: group(), end: ctx.endOfBatch });
          return rs.map((r) => ({ topic: 'out', key: r.key, id: `o-${r.offset}`, value: r.value }));
        },
      },
      bus,
    );
    const { out } = await drain(bus, { out: 1300, dlq: 0 });
    await until(() => group() === 1300, 30_000, 'the batch committed');
    await runner.stop();
    expect(calls.map((c) => [c.first, c.size, c.end])).toEqual([['0', 512, false], ['512', 512, false], ['1024', 276, true]]);
    // Nothing of the fetched batch is committed until its last slice is handled and appended.
    expect(calls.every((c) => !c.committed)).toBe(true);
    expect(out.map((r) => JSON.parse(r.value!.toString()).value)).toEqual(Array.from({ length: 1300 }, (_, i) => i));
  });

  it('retries a failing handler, then isolates the one record that keeps failing', async () => {
    let calls = 0;
    const { bus, runner } = await setup(
      [1, 2, 3, 4, 5, 6, 7, 8].map((v) => JSON.stringify(sample(v))),
      {
        maxAttempts: 2,
        handle: async (rs) => {
          calls++;
          if (rs.some((r) => r.value.value === 6)) throw new Error('cannot score 6');
          return rs.map((r) => ({ topic: 'out', key: r.key, id: `o-${r.offset}`, value: r.value }));
        },
      },
    );
    const { out, dlq } = await drain(bus, { out: 7, dlq: 1 });
    await runner.stop();
    expect(out.map((r) => JSON.parse(r.value!.toString()).value)).toEqual([1, 2, 3, 4, 5, 7, 8]);
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.headers[DLQ_HEADERS.reason]).toBe('handler_error');
    expect(dlq[0]!.headers[DLQ_HEADERS.error]).toBe('cannot score 6');
    // 2 attempts on 8, then halves: [1-4] ok, [5-8] x2, [5,6] x2, [5] ok, [6] x2, [7,8] ok.
    expect(calls).toBe(2 + 1 + 2 + 2 + 1 + 2 + 1);
  });

  it('treats an output that fails its schema as the handler failing on that record', async () => {
    const { bus, runner } = await setup([1, 2].map((v) => JSON.stringify(sample(v))), {
      maxAttempts: 1,
      handle: async (rs) => rs.map((r) => ({ topic: 'out', key: r.key, id: 'x', value: r.value.value === 2 ? { bad: true } : r.value })),
    });
    const { out, dlq } = await drain(bus, { out: 1, dlq: 1 });
    await runner.stop();
    expect(out).toHaveLength(1);
    expect(dlq[0]!.headers[DLQ_HEADERS.error]).toMatch(/^output to out fails its schema/);
  });

  it('commits only after the outputs were appended: a failed append means the batch comes again', async () => {
    class FlakyBus extends MemoryBus {
      failed = 0;
      override async send(records: OutRecord[]): Promise<void> {
        if (records.some((r) => r.topic === 'out') && this.failed++ === 0) throw new Error('broker unavailable');
        return super.send(records);
      }
    }
    const bus = new FlakyBus();
    const { runner } = await setup([1, 2, 3].map((v) => JSON.stringify(sample(v))), {}, bus);
    await drain(bus, { out: 3, dlq: 0 });
    await runner.stop(); // finishes and commits whatever it holds
    expect(bus.failed).toBeGreaterThan(1); // the first append failed, a later one went through
    expect(written(bus).out.map((r) => r.headers['vigil-id'])).toEqual(['o-0', 'o-1', 'o-2']);
  });

  it('pauses fetching while in-flight records pass the bound', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let held = 0;
    class CountingBus extends MemoryBus {
      pauses = 0;
      override async subscribe(...args: Parameters<MemoryBus['subscribe']>) {
        const sub = await super.subscribe(...args);
        return { ...sub, stop: () => sub.stop(), resume: () => sub.resume(), pause: () => { this.pauses++; sub.pause(); } };
      }
    }
    const bus = new CountingBus();
    const { runner } = await setup([1, 2, 3, 4, 5].map((v) => JSON.stringify(sample(v))), {
      maxInFlight: 3,
      handle: async (rs) => {
        held += rs.length;
        await gate;
        return rs.map((r) => ({ topic: 'out', key: r.key, id: `o-${r.offset}`, value: r.value }));
      },
    }, bus);
    // All five are in the handler's hands, past the bound of 3: fetching is paused, once.
    await until(() => held === 5, 30_000, 'five records in the handler');
    expect(bus.pauses).toBe(1);
    release();
    await drain(bus, { out: 5, dlq: 0 });
    await runner.stop();
    expect(bus.pauses).toBe(1);
  });

  it('dead-letters a record the handler rejects, with its reason, and keeps the rest', async () => {
    const { bus, runner } = await setup([1, 2, 3].map((v) => JSON.stringify(sample(v))), {
      handle: async (rs, ctx) =>
        rs.flatMap((r) => {
          if (r.value.value === 2) {
            ctx.reject(r, 'value 2 is not allowed here');
            return [];
          }
          return [{ topic: 'out', key: r.key, id: `o-${r.offset}`, value: r.value }];
        }),
    });
    const { out, dlq } = await drain(bus, { out: 2, dlq: 1 });
    await runner.stop();
    expect(out).toHaveLength(2);
    expect(dlq.map((r) => [r.headers[DLQ_HEADERS.reason], r.headers[DLQ_HEADERS.error], r.headers[DLQ_HEADERS.offset]])).toEqual([
      ['rejected', 'value 2 is not allowed here', '1'],
    ]);
  });

  it('hands a stateful stage its partitions before their first batch and takes them back on stop, after the last', async () => {
    const events: string[] = [];
    const { runner } = await setup([JSON.stringify(sample(1)), JSON.stringify(sample(2))], {
      onPartitionsAssigned: async (gained) => {
        // A restore takes a while: no batch may start meanwhile.
        await new Promise((r) => setImmediate(r));
        events.push(`assigned ${gained.map((g) => `${g.topic}/${g.partition}`)}`);
      },
      onPartitionsRevoked: async (lost, why) => void events.push(`revoked ${lost.map((g) => `${g.topic}/${g.partition}`)} ${why}`),
      handle: async (rs) => {
        events.push(`batch of ${rs.length}`);
        return [];
      },
    });
    await vi.waitFor(() => expect(events).toContain('batch of 2'));
    await runner.stop();
    expect(events).toEqual(['assigned in/0', 'batch of 2', 'revoked in/0 stop']);
  });

  it('refuses to consume a topic without a dead-letter twin', () => {
    expect(() => new StageRunner(new MemoryBus(), catalogue, schemas, { service: 's', topics: ['out'], handle: async () => [] })).toThrow(
      /has no dead-letter twin/,
    );
  });
});
