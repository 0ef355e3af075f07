import { Command, InvalidArgumentError } from 'commander';
import { startVigil } from './bootstrap.js';
import { SERVICES } from './services.js';
import { MemoryBus } from '../platform/bus/memory-bus.js';
import type { Bus } from '../platform/bus/types.js';
import { loadConfig } from '../platform/config/options.js';
import { kafkaConfigFromEnv } from '../platform/kafka/client-options.js';
import { createKafkaBus } from '../platform/kafka/kafka-client.js';
import { LocalBroker, fetchKafka } from '../platform/kafka/local-broker.js';
import { loadCatalogue, topicSpecs } from '../platform/streams/catalogue.js';
import { SchemaRegistry } from '../platform/streams/validator.js';
import { replay } from '../platform/cli/replay.js';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function kafkaBus(): Bus {
  const config = loadConfig();
  if (!config.kafkaBrokers) throw new Error('set KAFKA_BROKERS (for the local broker: `vigil kafka start` prints it)');
  return createKafkaBus(kafkaConfigFromEnv(), { compression: config.compression, replicationFactor: config.replicationFactor }, config.kafkaClient);
}

/** start, topics, replay and kafka: the commands of the platform itself. */
export function registerPlatformCommands(program: Command): void {
  program
    .command('start')
    .description(`run services in this process (default: all); known: ${Object.keys(SERVICES).join(', ')}`)
    .argument('[services...]', 'services to run')
    .option('--port <port>', 'HTTP port for /metrics, /health and APIs', positiveInt)
    .action(async (services: string[], opts: { port?: number }) => {
      await startVigil({ services, port: opts.port });
    });

  const topics = program.command('topics').description('the topic catalogue in streams/');
  topics
    .command('apply')
    .description('create or update every topic of streams/topics.yaml on KAFKA_BROKERS (idempotent)')
    .action(async () => {
      const bus = kafkaBus();
      try {
        const changes = await bus.applyTopics(topicSpecs(loadCatalogue(), loadConfig().replicationFactor));
        console.log(changes.length ? changes.join('\n') : 'topics are up to date');
      } finally {
        await bus.disconnect();
      }
    });
  topics
    .command('list')
    .description('print the catalogue')
    .action(() => {
      for (const t of loadCatalogue().topics.values()) {
        const kept = t.retentionMs < 0 ? `changelog of ${t.changelogOf}` : `retention ${t.retentionMs / 86_400_000}d`;
        console.log(`${t.name}\t${t.partitions} partitions\tkey: ${t.key}\t${t.cleanup}\t${kept}`);
      }
    });

  program
    .command('replay')
    .description('append a CSV or NDJSON file to a topic at a chosen rate')
    .requiredOption('--file <path>', 'CSV (header row) or NDJSON file')
    .requiredOption('--topic <topic>', 'topic from streams/topics.yaml')
    .option('--rate <n>', 'records per second (0: as fast as possible)', positiveInt, 0)
    .option('--key <field>', 'field to key records by')
    .option('--entity <name>', 'entity for a wide metrics CSV (default: file name)')
    .option('--limit <n>', 'stop after n records', positiveInt)
    .option('--no-validate', 'send records even when they fail the schema')
    .action(async (o: { file: string; topic: string; rate: number; key?: string; entity?: string; limit?: number; validate: boolean }) => {
      const catalogue = loadCatalogue();
      const bus: Bus = loadConfig().kafkaBrokers ? kafkaBus() : new MemoryBus();
      await bus.connect();
      try {
        const r = await replay(bus, catalogue, new SchemaRegistry(catalogue), o);
        console.log(`sent ${r.sent} records to ${o.topic} in ${r.seconds.toFixed(1)} s${r.invalid ? `, skipped ${r.invalid} invalid` : ''}`);
        if (bus.kind === 'memory') console.error('note: KAFKA_BROKERS is not set, so the records went to a throwaway in-process bus');
      } finally {
        await bus.disconnect();
      }
    });

  const kafka = program.command('kafka').description('a local single-node Kafka (KRaft) from the Maven Central jars');
  // No default port here: LocalBroker takes the one the directory's broker was started with, else 9092.
  const brokerOpts = (c: Command) =>
    c
      .option('--dir <dir>', 'broker data, log and pid file', '.vigil/kafka')
      .option('--port <port>', 'listener port (default: the port this directory\'s broker was started with, else 9092)', positiveInt);
  brokerOpts(kafka.command('start').description('fetch (once), format (once) and start the broker; waits until it answers')).action(
    async (o: { dir: string; port?: number }) => {
      const b = new LocalBroker({ dir: o.dir, port: o.port });
      await b.start(120_000);
      console.log(`KAFKA_BROKERS=${b.bootstrap}`);
    },
  );
  brokerOpts(kafka.command('stop').description('controlled shutdown of the local broker')).action(async (o: { dir: string; port?: number }) => {
    await new LocalBroker({ dir: o.dir, port: o.port }).stop();
  });
  brokerOpts(kafka.command('status').description('is the local broker running')).action((o: { dir: string; port?: number }) => {
    const b = new LocalBroker({ dir: o.dir, port: o.port });
    const pid = b.pid();
    console.log(pid ? `running (pid ${pid}) on ${b.bootstrap}` : 'not running');
    process.exitCode = pid ? 0 : 1;
  });
  kafka
    .command('fetch')
    .description('download the Kafka jars into the cache')
    .action(() => console.log(fetchKafka()));
}
