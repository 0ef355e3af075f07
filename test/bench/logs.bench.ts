import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticFailure, syntheticRequest } from '../../src/logs/eval/synthetic-traffic.js';
import { LogsService } from '../../src/logs/logs.service.js';
import { loadLogsOptions } from '../../src/logs/options.js';
import { TemplateStore } from '../../src/logs/store/template-store.js';
import type { LogRecordValue } from '../../src/logs/types.js';
import { KafkaBus } from '../../src/platform/kafka/kafka-bus.js';
import { initBackend } from '../../src/platform/ml/backend.js';
import { StageRunner } from '../../src/platform/stage/stage-runner.js';
import { parseCatalogue, topicSpecs } from '../../src/platform/streams/catalogue.js';
import { SchemaRegistry } from '../../src/platform/streams/validator.js';
import { bareRun } from './consumer.bench.js';
import { fmt } from './harness.js';

export interface LogsBenchOptions {
  lines: number;
  entities: number;
}

export function logsBenchOptions(env: NodeJS.ProcessEnv = process.env): LogsBenchOptions {
  return { lines: Number(env.BENCH_LOGS_LINES ?? 40_000), entities: Number(env.BENCH_LOGS_ENTITIES ?? 50) };
}

export interface LogsBenchResult {
  backend: string;
  lines: number;
  bare_lines_per_s: number;
  logs_lines_per_s: number;
  ratio: number;
  /** The same with the background LSTM training time taken out (WASM runs it on the same thread). */
  logs_scoring_lines_per_s: number;
  /** Lines the next-template LSTM scored (after its cold start) and count windows the detector scored. */
  steps_scored: number;
  windows_scored: number;
  findings: { log_sequence: number; log_counts: number };
  templates: number;
  template_version: number;
  lstm_trainings: number;
  lstm_training_seconds: number;
}

/**
 * The logs service's handler (what `vigil start logs` runs: masking, mining, persistence, both
 * scorers) on the platform consumer, against the bare kafkajs consumer, on the same records of
 * the same broker in one run. Generated requests from `entities` web servers, one failure line
 * in every 5,000. Default settings, so the LSTM's cold start (5,000 lines) ends early in the run
 * and it trains in the background while the stream is scored.
 */
export async function logsBench(brokers: string, o: LogsBenchOptions): Promise<LogsBenchResult> {
  const backend = await initBackend(() => {});
  const topic = `bench-logs-${Date.now()}`;
  const anomalies = `${topic}-anomalies`;
  const catalogue = parseCatalogue(
    {
      topics: {
        [topic]: { key: 'entity', partitions: 12, retention: '1h', cleanup: 'delete', schema: 'telemetry.logs.schema.json', dlq: true },
        [anomalies]: { key: 'entity', partitions: 6, retention: '1h', cleanup: 'delete', schema: 'aiops.anomalies.schema.json' },
      },
    },
    'bench',
  );
  const bus = new KafkaBus({ clientId: 'bench-logs', brokers: brokers.split(','), logLevel: 1 }, { maxBytesPerPartition: 1024 * 1024 });
  await bus.connect();
  await bus.applyTopics(topicSpecs(catalogue));
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  let lines = 0;
  for (let i = 0; lines < o.lines; ) {
    const batch: LogRecordValue[] = [];
    for (let k = 0; k < 250 && lines < o.lines; k++, i++) {
      const entity = `web-${i % o.entities}`;
      // One request every 15 s per entity: four per one-minute count window.
      const t = t0 + Math.floor(i / o.entities) * 15_000;
      const req = i % 1250 === 1249 ? [syntheticFailure(entity, t, '192.0.2.1', 'ops@example.com')] : syntheticRequest(entity, i, t);
      batch.push(...req);
      lines += req.length;
    }
    await bus.send(batch.map((v) => ({ topic, key: v.entity, value: JSON.stringify(v) })));
  }

  const bare = await bareRun(brokers, topic, lines);
  const dir = await mkdtemp(join(tmpdir(), 'bench-log-templates-'));
  const service = new LogsService({ ...loadLogsOptions({ LOGS_TEMPLATE_DIR: dir }), topics: { logs: topic, anomalies } });
  await service.loadTemplates(new TemplateStore(dir));
  let seen = 0;
  let first = 0;
  const runner = new StageRunner<unknown>(bus, catalogue, new SchemaRegistry(catalogue), {
    service: 'bench-logs',
    groupId: `bench-logs-${Date.now()}`,
    topics: [topic],
    handle: async (records) => {
      if (first === 0) first = performance.now();
      const out = await service.handle(records);
      seen += records.length;
      return out;
    },
  });
  await runner.start();
  while (seen < lines) await new Promise((r) => setTimeout(r, 20));
  const end = performance.now();
  await runner.stop();
  await bus.disconnect();
  await service.close();
  await rm(dir, { recursive: true, force: true });
  const rate = (lines / (end - first)) * 1000;
  return {
    backend,
    lines,
    bare_lines_per_s: bare,
    logs_lines_per_s: rate,
    ratio: rate / bare,
    logs_scoring_lines_per_s: lines / Math.max(1e-9, (end - first) / 1000 - service.sequences.trainingMillis / 1000),
    steps_scored: service.totals.stepsScored,
    windows_scored: service.totals.windowsScored,
    findings: { log_sequence: service.totals.log_sequence, log_counts: service.totals.log_counts },
    templates: service.miner.size,
    template_version: service.miner.version,
    lstm_trainings: service.sequences.trainings,
    lstm_training_seconds: service.sequences.trainingMillis / 1000,
  };
}

/** Runs and prints the bench; false when not every line went through. */
export async function runLogsBench(brokers: string): Promise<{ ok: boolean; result: LogsBenchResult }> {
  const o = logsBenchOptions();
  console.log(`\n[logs] logs service (mask, mine, LSTM + count windows) on the platform consumer vs bare kafkajs: ${fmt(o.lines)} lines from ${o.entities} entities`);
  const r = await logsBench(brokers, o);
  console.log(`  backend ${r.backend}; bare kafkajs consumer ${fmt(r.bare_lines_per_s)} lines/s`);
  console.log(`  logs service, all in  ${fmt(r.logs_lines_per_s)} lines/s  (ratio ${r.ratio.toFixed(3)})`);
  console.log(`  logs service, training out ${fmt(r.logs_scoring_lines_per_s)} lines/s  (ratio ${(r.logs_scoring_lines_per_s / r.bare_lines_per_s).toFixed(3)})`);
  console.log(`  ${fmt(r.steps_scored)} lines scored by the LSTM (after its cold start), ${fmt(r.windows_scored)} count windows; ${r.templates} templates (version ${r.template_version})`);
  console.log(`  findings: ${r.findings.log_sequence} log_sequence, ${r.findings.log_counts} log_counts; ${r.lstm_trainings} LSTM training(s), ${r.lstm_training_seconds.toFixed(1)} s`);
  console.log(`BENCH_JSON_LOGS ${JSON.stringify(r)}`);
  return { ok: r.lines > 0, result: r };
}
