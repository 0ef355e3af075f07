import kafkajs from 'kafkajs';
import type { Bus } from '../../src/platform/bus/types.js';
import { kafkaClientFromEnv, type KafkaClientName } from '../../src/platform/kafka/client-options.js';
import { createKafkaBus } from '../../src/platform/kafka/kafka-client.js';
import { StageRunner } from '../../src/platform/stage/stage-runner.js';
import { parseCatalogue, topicSpecs, type Catalogue } from '../../src/platform/streams/catalogue.js';
import { SchemaRegistry } from '../../src/platform/streams/validator.js';
import { setupTracing } from '../../src/platform/tracing/tracing.js';
import { benchRecord } from './consumer-records.js';
import { fmt, median } from './harness.js';
import { nestKafkaRun } from './nest-kafka.side.js';

/** Fetch size per partition on every side (BENCH_FETCH_BYTES; default 1 MiB, kafkajs' default and the platform's). */
const FETCH_BYTES = Number(process.env.BENCH_FETCH_BYTES ?? 1024 * 1024);
const MAX_BYTES = 16 * 1024 * 1024;
/** Every side reads this many partitions at once: the platform consumer's default. */
export const CONCURRENCY = 4;

/**
 * - bare: kafkajs `eachBatch` doing nothing with the bytes (the client's own ceiling);
 * - parse: kafkajs `eachBatch` doing `JSON.parse` of every record (the least a real consumer does);
 * - platform: Vigil's stage (lazy decode, schema validation, commit per batch, metrics, tracing
 *   as configured by default: no exporter) on the kafkajs bus;
 * - platformatic: the same stage on the @platformatic/kafka bus (VIGIL_KAFKA_CLIENT=platformatic).
 * - nest: NestJS's own Kafka transport (`ServerKafka`, an `@EventPattern` handler) parsing and
 *   validating against the same schema — what a Nest user would otherwise write.
 */
export const SIDES = ['bare', 'parse', 'platform', 'platformatic', 'nest'] as const;
export type Side = (typeof SIDES)[number];

/** The platform side on the client the services run on (VIGIL_KAFKA_CLIENT): the ratios are its. */
export function platformSide(client: KafkaClientName): Side {
  return client === 'platformatic' ? 'platformatic' : 'platform';
}

export interface SideFigures {
  /** records/s of each repeat. */
  rates: number[];
  /** CPU of this process per record (µs) of each repeat. */
  cpuMicros: number[];
}

export interface ConsumerBenchResult {
  records: number;
  samplesPerRecord: number;
  repeats: number;
  sides: Record<Side, SideFigures>;
  /** The client the services run on (VIGIL_KAFKA_CLIENT): `ratios` compare the platform on it. */
  client: KafkaClientName;
  /**
   * The platform (on `client`) over each other side, and the platform on the platformatic bus over
   * the platform on kafkajs: the median over repeats of the two rates' ratio within a repeat. Sides
   * measured far apart see a machine whose speed drifts (other jobs, the broker's own work);
   * within one repeat they run close together, so each repeat's ratio leaves most of the drift out.
   */
  ratios: { bare: number; parse: number; nest: number; platformaticOverKafkajs: number };
}

/** A run's rate, and the CPU this process spent per record from the first batch to the last. */
export interface Measured {
  rate: number;
  cpuMicrosPerRecord: number;
}

/**
 * Four consumers of the same records (with production headers) on the same broker, in one run:
 * each repeat runs every side once, in a rotating order, each with a fresh consumer group and the
 * same fetch sizes and partition concurrency. Rates count from the first batch to the last record,
 * so group-join time is left out of all.
 */
export async function consumerBench(brokers: string, records: number, repeats: number, samplesPerRecord = Number(process.env.BENCH_SAMPLES_PER_RECORD ?? 8)): Promise<ConsumerBenchResult> {
  // As `vigil start` does without OTEL_* variables: a provider, no exporter.
  setupTracing('bench');
  const topic = `bench-consume-${Date.now()}`;
  const catalogue = parseCatalogue(
    { topics: { [topic]: { key: 'entity', partitions: 6, retention: '1h', cleanup: 'delete', schema: 'telemetry.metrics.schema.json', dlq: true } } },
    'bench',
  );
  const schemas = new SchemaRegistry(catalogue);
  const config = { clientId: 'bench', brokers: brokers.split(','), logLevel: 1 };
  const bus = createKafkaBus(config, { maxBytesPerPartition: FETCH_BYTES }, 'kafkajs');
  const platformaticBus = createKafkaBus(config, { maxBytesPerPartition: FETCH_BYTES }, 'platformatic');
  await bus.connect();
  await platformaticBus.connect();
  await bus.applyTopics(topicSpecs(catalogue));
  const chunk = 20_000;
  for (let i = 0; i < records; i += chunk) {
    const n = Math.min(chunk, records - i);
    await bus.send(Array.from({ length: n }, (_, j) => benchRecord(topic, i + j, samplesPerRecord)));
  }

  const sides = Object.fromEntries(SIDES.map((s) => [s, { rates: [], cpuMicros: [] }])) as unknown as Record<Side, SideFigures>;
  const run = (side: Side): Promise<Measured> => {
    switch (side) {
      case 'bare':
        return kafkajsRun(brokers, topic, records, false);
      case 'parse':
        return kafkajsRun(brokers, topic, records, true);
      case 'platform':
        return platformRun(bus, catalogue, schemas, topic, records);
      case 'platformatic':
        return platformRun(platformaticBus, catalogue, schemas, topic, records);
      case 'nest':
        return nestKafkaRun(brokers, topic, records, (v) => schemas.validate(topic, v).ok, { fetchBytes: FETCH_BYTES, maxBytes: MAX_BYTES, concurrency: CONCURRENCY });
    }
  };
  // BENCH_CONSUMER_SIDES=platform (say) runs only those, to profile one side.
  const only = process.env.BENCH_CONSUMER_SIDES?.split(',');
  const sidesRun = SIDES.filter((s) => !only || only.includes(s));
  for (let r = 0; r < repeats; r++) {
    // Rotate who goes first: the broker's page cache and the JIT warm up over a repeat.
    const order = sidesRun.map((_, i) => sidesRun[(i + r) % sidesRun.length]!);
    for (const side of order) {
      const m = await run(side);
      sides[side].rates.push(m.rate);
      sides[side].cpuMicros.push(m.cpuMicrosPerRecord);
      console.log(`  run ${r + 1} ${side.padEnd(8)} ${fmt(m.rate)} records/s, ${fmt(m.rate * samplesPerRecord)} samples/s, ${m.cpuMicrosPerRecord.toFixed(2)} µs CPU per record`);
    }
  }
  await bus.disconnect();
  await platformaticBus.disconnect();
  const client = kafkaClientFromEnv();
  const platform = sides[platformSide(client)];
  const ratio = (a: SideFigures, b: SideFigures) => median(a.rates.map((rate, r) => rate / b.rates[r]!));
  return {
    records,
    samplesPerRecord,
    repeats,
    sides,
    client,
    ratios: {
      bare: ratio(platform, sides.bare),
      parse: ratio(platform, sides.parse),
      nest: ratio(platform, sides.nest),
      platformaticOverKafkajs: ratio(sides.platformatic, sides.platform),
    },
  };
}

/** The bare client's rate on a topic (the baseline other benches compare against). */
export async function bareRun(brokers: string, topic: string, total: number): Promise<number> {
  return (await kafkajsRun(brokers, topic, total, false)).rate;
}

export function cpuSince(start: NodeJS.CpuUsage, total: number): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / total;
}

/** kafkajs `eachBatch` with auto-commit, doing nothing or `JSON.parse` of every record. */
async function kafkajsRun(brokers: string, topic: string, total: number, parse: boolean): Promise<Measured> {
  const kafka = new kafkajs.Kafka({ clientId: 'bench-bare', brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bare-${Date.now()}`, maxBytesPerPartition: FETCH_BYTES, maxBytes: MAX_BYTES });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let first = 0;
  let cpu = process.cpuUsage();
  // Kept, so the parse is not dead code to the JIT.
  let sink = 0;
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: CONCURRENCY,
      eachBatch: async ({ batch }) => {
        if (first === 0) {
          first = performance.now();
          cpu = process.cpuUsage();
        }
        if (parse) {
          for (const m of batch.messages) {
            const v = JSON.parse(m.value!.toString('utf8')) as { entity?: string };
            sink += v.entity ? 1 : 0;
          }
        }
        seen += batch.messages.length;
        if (seen >= total) resolve(performance.now());
      },
    });
  });
  const end = await done;
  const cpuMicrosPerRecord = cpuSince(cpu, total);
  await consumer.disconnect();
  if (parse && sink !== total) throw new Error(`parse side read ${sink} of ${total} records`);
  return { rate: (total / (end - first)) * 1000, cpuMicrosPerRecord };
}

async function platformRun(bus: Bus, catalogue: Catalogue, schemas: SchemaRegistry, topic: string, total: number): Promise<Measured> {
  let seen = 0;
  let first = 0;
  let cpu = process.cpuUsage();
  let resolveDone: (t: number) => void = () => {};
  const done = new Promise<number>((r) => (resolveDone = r));
  const runner = new StageRunner<object>(bus, catalogue, schemas, {
    service: 'bench',
    groupId: `platform-${bus.constructor.name}-${Date.now()}`,
    topics: [topic],
    partitionsConsumedConcurrently: CONCURRENCY,
    handle: async (rs) => {
      if (first === 0) {
        first = performance.now();
        cpu = process.cpuUsage();
      }
      seen += rs.length;
      if (seen >= total) resolveDone(performance.now());
      return [];
    },
  });
  await runner.start();
  const end = await done;
  const cpuMicrosPerRecord = cpuSince(cpu, total);
  await runner.stop();
  return { rate: (total / (end - first)) * 1000, cpuMicrosPerRecord };
}
