/**
 * A platform consumer in its own process, for crash tests: reads JSON config from argv[2],
 * forwards each telemetry sample to an output topic with a deterministic id, prints progress,
 * and shuts down gracefully on SIGTERM.
 */
import { derivedId } from '../../src/platform/bus/message-id.js';
import { createKafkaBus } from '../../src/platform/kafka/kafka-client.js';
import { StageRunner } from '../../src/platform/stage/stage-runner.js';
import { parseCatalogue, type RawCatalogue } from '../../src/platform/streams/catalogue.js';
import { SchemaRegistry } from '../../src/platform/streams/validator.js';

interface WorkerConfig {
  brokers: string;
  catalogue: RawCatalogue;
  input: string;
  output: string;
  group: string;
  /** Milliseconds of simulated work per batch, so a kill lands mid-batch. */
  workMs: number;
  /** Small fetches make many batches, so the kill has several to land in. */
  maxBytesPerPartition: number;
  /** Milliseconds between an append's acknowledgement and the commit (default none). */
  afterSendMs?: number;
}

const cfg = JSON.parse(process.argv[2]!) as WorkerConfig;
const catalogue = parseCatalogue(cfg.catalogue, 'worker');
const bus = createKafkaBus({ clientId: 'stage-worker', brokers: cfg.brokers.split(','), logLevel: 1 }, { maxBytesPerPartition: cfg.maxBytesPerPartition });
await bus.connect();
if (cfg.afterSendMs) {
  // A slow path between an acknowledged append and the commit, so a kill lands there often:
  // outputs written, offsets not committed — what at-least-once must turn into duplicates only.
  const send = bus.send.bind(bus);
  bus.send = async (...args) => {
    await send(...args);
    await new Promise((r) => setTimeout(r, cfg.afterSendMs));
  };
}
let batches = 0;
const runner = new StageRunner<{ entity: string; value: number }>(bus, catalogue, new SchemaRegistry(catalogue), {
  service: 'worker',
  groupId: cfg.group,
  topics: [cfg.input],
  handle: async (records) => {
    await new Promise((r) => setTimeout(r, cfg.workMs));
    batches++;
    return records.map((r) => ({
      topic: cfg.output,
      key: r.key,
      id: derivedId(r, 'forward'),
      // Where it came from, so a test can tell which inputs were processed twice.
      value: {
        id: derivedId(r, 'forward'),
        entity: r.value.entity,
        metric: 'forwarded',
        timestamp: r.timestamp,
        value: r.value.value,
        labels: { src_partition: String(r.partition), src_offset: r.offset },
      },
    }));
  },
});
await runner.start();
console.log('ready');
// Printed when it changes, so a failure's own lines stay in the tail a failed wait shows.
let printed = -1;
const progress = setInterval(() => {
  if (batches !== printed) console.log(`batches ${(printed = batches)}`);
}, 200);
process.on('SIGTERM', () => {
  clearInterval(progress);
  void runner
    .stop()
    .then(() => bus.disconnect())
    .then(() => {
      console.log('stopped');
      process.exit(0);
    });
});
