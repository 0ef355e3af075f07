import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../src/platform/kafka/local-broker.js';
import { samplesOf, type MetricRecordValue, type MetricSampleValue } from '../src/platform/series/metric-sample.js';
import type { Bus } from '../src/platform/bus/types.js';
import { loadCatalogue, topicSpecs } from '../src/platform/streams/catalogue.js';
import { brokers, kafkaBus } from './support/kafka.js';
import { PrometheusServer } from './support/prometheus.js';
import { readAll } from './support/read-all.js';
import { until } from './support/until.js';
import { VigilProcess } from './support/vigil-process.js';

const README = readFileSync('src/ingest/README.md', 'utf8');

/** The first fenced block of `lang` after the heading `### title`. */
function block(title: string, lang: string): string {
  const section = README.slice(README.indexOf(`\n### ${title}\n`));
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(section);
  if (!m) throw new Error(`src/ingest/README.md: no \`\`\`${lang} block under "### ${title}"`);
  return m[1]!;
}

/**
 * The ingest README's examples, run as written against a running gateway on the real broker:
 * a real Prometheus (Debian's package) with the README's remote_write block, and the README's
 * curl commands, whose answers must be the ones the README says they print. Only the port
 * changes (the README says localhost:8080).
 */
describe('ingest README examples work as written', () => {
  let bus: Bus;
  let vigil: VigilProcess;
  let prometheus: PrometheusServer | undefined;
  let port = 0;

  beforeAll(async () => {
    bus = kafkaBus();
    await bus.connect();
    await bus.applyTopics(topicSpecs(loadCatalogue()));
    port = (await freePorts(1))[0]!;
    vigil = new VigilProcess(['start', 'ingest', '--port', String(port)], { KAFKA_BROKERS: brokers(), VIGIL_GROUP_PREFIX: `readme${Date.now()}` });
    await vigil.until(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.ok === true, 90_000, 'vigil start ingest to be ready');
  });
  afterAll(async () => {
    await prometheus?.stop();
    await vigil?.stop();
    await bus?.disconnect();
  });

  it('a real Prometheus with the README remote_write block delivers its samples to telemetry.metrics', async () => {
    const remoteWrite = block('Prometheus', 'yaml').replaceAll('localhost:8080', `127.0.0.1:${port}`);
    expect(remoteWrite).toMatch(/^remote_write:/m);
    // Prometheus scrapes the gateway itself and remote-writes what it scraped back to it.
    prometheus = await PrometheusServer.start({ targets: [`127.0.0.1:${port}`], extraConfig: remoteWrite });
    const entity = `127.0.0.1:${port}`;
    let ups: MetricSampleValue[] = [];
    await until(
      async () => {
        const got = await readAll(bus, 'telemetry.metrics', 1, 60_000);
        const samples = got.flatMap((r) => samplesOf(JSON.parse(r.value!.toString()) as MetricRecordValue));
        ups = samples.filter((s) => s.metric === 'up' && s.entity === entity);
        return ups.length > 0;
      },
      120_000,
      () => `samples remote-written by Prometheus (its output: ${prometheus?.output})`,
    );
    expect(ups[0]).toMatchObject({ entity, metric: 'up', value: 1, kind: 'gauge', labels: { instance: entity, job: 'vigil' } });
  });

  it('the README curl commands get the answers the README says they print', async () => {
    const script = block('curl', 'sh').replaceAll('localhost:8080', `127.0.0.1:${port}`);
    const promised = /Each prints the answer: (.*)\./.exec(README)?.[1]?.match(/`[^`]+`/g)?.map((s) => s.slice(1, -1));
    expect(promised).toHaveLength(3);
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script]);
    // curl -sS prints each answer without a newline: split where one JSON answer ends.
    const answers = stdout.replace(/\}\{/g, '}\n{').split('\n').filter(Boolean);
    expect(answers.map((a) => JSON.parse(a))).toEqual(promised!.map((p) => JSON.parse(p)));

    const got = await readAll(bus, 'telemetry.logs', 2, 60_000);
    const logs = got.map((r) => JSON.parse(r.value!.toString()) as { entity: string; message: string });
    expect(logs.filter((l) => l.message === 'upstream timed out' || l.message === 'retrying').map((l) => l.entity).sort()).toEqual(['checkout', 'web-1']);
  });
});
