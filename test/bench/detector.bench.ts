import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DEMO, demoStep } from '../../src/demo/demo-stream.js';
import { runBacktest } from '../../src/detector/backtest/run-backtest.js';
import { DetectorService } from '../../src/detector/detector.service.js';
import { loadDetectorOptions } from '../../src/detector/options.js';
import { KafkaBus } from '../../src/platform/kafka/kafka-bus.js';
import { StageRunner } from '../../src/platform/stage/stage-runner.js';
import { parseCatalogue, topicSpecs } from '../../src/platform/streams/catalogue.js';
import { SchemaRegistry } from '../../src/platform/streams/validator.js';
import { bareRun } from './consumer.bench.js';
import { fmt } from './harness.js';

export interface DetectorBenchOptions {
  entities: number;
  /** Time steps per entity. */
  steps: number;
  /** nab-dev directory for the backtest rate, or '' to skip it. */
  backtestInput: string;
}

export function detectorBenchOptions(env: NodeJS.ProcessEnv = process.env): DetectorBenchOptions {
  return {
    entities: Number(env.BENCH_DETECTOR_ENTITIES ?? 1000),
    steps: Number(env.BENCH_DETECTOR_STEPS ?? 460),
    backtestInput: env.BENCH_DETECTOR_BACKTEST ?? '../shared/data/nab-dev',
  };
}

export interface DetectorBenchResult {
  samples: number;
  bare_samples_per_s: number;
  detector_samples_per_s: number;
  ratio: number;
  rows_scored: number;
  /** Scoring state held per series at the end (bytes). */
  state_bytes_per_series: number;
  backtest?: { files: number; rows: number; rows_per_s: number };
}

/**
 * The detector service's handler (what `vigil start detector` runs) on the platform consumer,
 * against the bare kafkajs consumer, on the same records of the same broker in one run:
 * `entities` × 8 metrics × `steps`, the demo fleet's shape. Then the offline backtest's rate on
 * nab-dev (the same detector code, row by row).
 */
export async function detectorBench(brokers: string, o: DetectorBenchOptions): Promise<DetectorBenchResult> {
  const topic = `bench-detector-${Date.now()}`;
  const anomalies = `${topic}-anomalies`;
  const catalogue = parseCatalogue(
    {
      topics: {
        [topic]: { key: 'entity', partitions: 12, retention: '1h', cleanup: 'delete', schema: 'telemetry.metrics.schema.json', dlq: true },
        [anomalies]: { key: 'entity', partitions: 6, retention: '1h', cleanup: 'delete', schema: 'aiops.anomalies.schema.json' },
      },
    },
    'bench',
  );
  const bus = new KafkaBus({ clientId: 'bench-detector', brokers: brokers.split(','), logLevel: 1 }, { maxBytesPerPartition: 1024 * 1024 });
  await bus.connect();
  await bus.applyTopics(topicSpecs(catalogue));
  const fleet = { ...DEFAULT_DEMO, hosts: o.entities };
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  let samples = 0;
  for (let step = 0; step < o.steps; step++) {
    const rows = demoStep(step, t0 + step * 1000, fleet);
    samples += rows.length;
    await bus.send(rows.map((s) => ({ topic, key: s.entity, value: JSON.stringify(s) })));
  }

  const bare = await bareRun(brokers, topic, samples);
  // Production settings; only the topic names are the bench's own.
  const service = new DetectorService({ ...loadDetectorOptions({}), topics: { metrics: topic, feedback: `${topic}-feedback`, anomalies } });
  let seen = 0;
  let first = 0;
  const runner = new StageRunner<unknown>(bus, catalogue, new SchemaRegistry(catalogue), {
    service: 'bench-detector',
    groupId: `bench-detector-${Date.now()}`,
    topics: [topic],
    handle: async (records) => {
      if (first === 0) first = performance.now();
      const out = await service.handle(records);
      seen += records.length;
      return out;
    },
  });
  await runner.start();
  while (seen < samples) await new Promise((r) => setTimeout(r, 20));
  const end = performance.now();
  await runner.stop();
  await bus.disconnect();
  const detectorRate = (samples / (end - first)) * 1000;
  const stats = service.detector.stats();

  let backtest: DetectorBenchResult['backtest'];
  if (o.backtestInput) {
    const out = await mkdtemp(join(tmpdir(), 'bench-backtest-'));
    const s = await runBacktest({ input: o.backtestInput, output: out, log: () => {} });
    await rm(out, { recursive: true, force: true });
    backtest = { files: s.files, rows: s.rows, rows_per_s: s.rowsPerSecond };
  }
  const ids = service.detector.entityIds();
  const bytes = ids.reduce((n, e) => n + (service.detector.memoryBytes(e) ?? 0), 0);
  return {
    samples,
    bare_samples_per_s: bare,
    detector_samples_per_s: detectorRate,
    ratio: detectorRate / bare,
    rows_scored: stats.rowsScored,
    state_bytes_per_series: stats.series > 0 ? bytes / stats.series : 0,
    ...(backtest && { backtest }),
  };
}

export function printDetectorBench(r: DetectorBenchResult): void {
  console.log(`  ${fmt(r.samples)} samples`);
  console.log(`  bare kafkajs consumer  ${fmt(r.bare_samples_per_s)} samples/s`);
  console.log(`  detector, all in       ${fmt(r.detector_samples_per_s)} samples/s  (ratio ${r.ratio.toFixed(3)})`);
  console.log(`  ${fmt(r.rows_scored)} entity-steps scored; ${fmt(r.state_bytes_per_series)} bytes of scoring state per series`);
  if (r.backtest) console.log(`  backtest on nab-dev: ${r.backtest.files} files, ${fmt(r.backtest.rows)} rows, ${fmt(r.backtest.rows_per_s)} rows/s`);
}
