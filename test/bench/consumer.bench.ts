import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import kafkajs from 'kafkajs';
import { KafkaBus } from '../../src/platform/kafka/kafka-bus.js';
import { StageRunner } from '../../src/platform/stage/stage-runner.js';
import { parseCatalogue, topicSpecs } from '../../src/platform/streams/catalogue.js';
import { SchemaRegistry } from '../../src/platform/streams/validator.js';
import { setupTracing } from '../../src/platform/tracing/tracing.js';
import { fmt, median } from './harness.js';

/** Spans are made and batched as in production, then dropped instead of sent. */
class DiscardingExporter implements SpanExporter {
  export(_spans: unknown[], done: (r: { code: number }) => void): void {
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

const FETCH_BYTES = 1024 * 1024;

export interface ConsumerBenchResult {
  records: number;
  bare: number[];
  platform: number[];
  ratio: number;
  /** Median CPU of this process per record (µs): both consumers are bound by one core. */
  bareCpuMicros: number;
  platformCpuMicros: number;
}

/**
 * The platform consumer (decode, schema validation, commit per batch, metrics, tracing) against
 * the bare kafkajs consumer (eachBatch doing nothing, auto-commit) on the same records of the
 * same broker, alternating, each run a fresh consumer group. Rate counts from the first batch
 * to the last record, so group-join time is left out of both.
 */
export async function consumerBench(brokers: string, records: number, repeats: number): Promise<ConsumerBenchResult> {
  setupTracing('bench', [new BatchSpanProcessor(new DiscardingExporter())]);
  const topic = `bench-consume-${Date.now()}`;
  const catalogue = parseCatalogue(
    { topics: { [topic]: { key: 'entity', partitions: 6, retention: '1h', cleanup: 'delete', schema: 'telemetry.metrics.schema.json', dlq: true } } },
    'bench',
  );
  const schemas = new SchemaRegistry(catalogue);
  const bus = new KafkaBus({ clientId: 'bench', brokers: brokers.split(','), logLevel: 1 }, { maxBytesPerPartition: FETCH_BYTES });
  await bus.connect();
  await bus.applyTopics(topicSpecs(catalogue));
  const chunk = 20_000;
  for (let i = 0; i < records; i += chunk) {
    const n = Math.min(chunk, records - i);
    await bus.send(
      Array.from({ length: n }, (_, j) => {
        const k = i + j;
        const entity = `host-${k % 1000}`;
        return {
          topic,
          key: entity,
          value: JSON.stringify({ entity, metric: `metric_${k % 8}`, timestamp: 1_700_000_000_000 + k * 1000, value: (k % 977) / 9.77, labels: { env: 'bench' } }),
        };
      }),
    );
  }

  const bare: number[] = [];
  const platform: number[] = [];
  const bareCpu: number[] = [];
  const platformCpu: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const runBareFirst = r % 2 === 0;
    for (const which of runBareFirst ? ['bare', 'platform'] : ['platform', 'bare']) {
      const m = which === 'bare' ? await bareRunMeasured(brokers, topic, records) : await platformRun(bus, catalogue, schemas, topic, records);
      (which === 'bare' ? bare : platform).push(m.rate);
      (which === 'bare' ? bareCpu : platformCpu).push(m.cpuMicrosPerRecord);
      console.log(`  run ${r + 1} ${which.padEnd(8)} ${fmt(m.rate)} records/s, ${m.cpuMicrosPerRecord.toFixed(2)} µs CPU per record`);
    }
  }
  await bus.disconnect();
  return { records, bare, platform, ratio: median(platform) / median(bare), bareCpuMicros: median(bareCpu), platformCpuMicros: median(platformCpu) };
}

export async function bareRun(brokers: string, topic: string, total: number): Promise<number> {
  return (await bareRunMeasured(brokers, topic, total)).rate;
}

/** A run's rate, and the CPU this process spent per record from the first batch to the last. */
interface Measured {
  rate: number;
  cpuMicrosPerRecord: number;
}

function cpuSince(start: NodeJS.CpuUsage, total: number): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / total;
}

async function bareRunMeasured(brokers: string, topic: string, total: number): Promise<Measured> {
  const kafka = new kafkajs.Kafka({ clientId: 'bench-bare', brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bare-${Date.now()}`, maxBytesPerPartition: FETCH_BYTES, maxBytes: 16 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let first = 0;
  let cpu = process.cpuUsage();
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (first === 0) {
          first = performance.now();
          cpu = process.cpuUsage();
        }
        seen += batch.messages.length;
        if (seen >= total) resolve(performance.now());
      },
    });
  });
  const end = await done;
  const cpuMicrosPerRecord = cpuSince(cpu, total);
  await consumer.disconnect();
  return { rate: (total / (end - first)) * 1000, cpuMicrosPerRecord };
}

async function platformRun(
  bus: KafkaBus,
  catalogue: ReturnType<typeof parseCatalogue>,
  schemas: SchemaRegistry,
  topic: string,
  total: number,
): Promise<Measured> {
  let seen = 0;
  let first = 0;
  let cpu = process.cpuUsage();
  let resolveDone: (t: number) => void = () => {};
  const done = new Promise<number>((r) => (resolveDone = r));
  const runner = new StageRunner<object>(bus, catalogue, schemas, {
    service: 'bench',
    groupId: `platform-${Date.now()}`,
    topics: [topic],
    handle: async (rs) => {
      if (first === 0) {
        first = performance.now();
        cpu = process.cpuUsage();
      }
      seen += rs.length;
      return [];
    },
  });
  // Count after the commit: the handler runs before it, so poll the committed total.
  await runner.start();
  const poll = setInterval(() => {
    if (seen >= total) resolveDone(performance.now());
  }, 1);
  const end = await done;
  const cpuMicrosPerRecord = cpuSince(cpu, total);
  clearInterval(poll);
  await runner.stop();
  return { rate: (total / (end - first)) * 1000, cpuMicrosPerRecord };
}
