import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../src/platform/kafka/local-broker.js';
import { samplesOf, type MetricRecordValue } from '../src/platform/series/metric-sample.js';
import type { Bus } from '../src/platform/bus/types.js';
import { seriesKey } from '../src/platform/series/series-identity.js';
import { loadCatalogue, topicSpecs } from '../src/platform/streams/catalogue.js';
import { brokers, kafkaBus } from './support/kafka.js';
import { NodeExporter } from './support/node-exporter.js';
import { PrometheusServer } from './support/prometheus.js';
import { readAll } from './support/read-all.js';
import { until } from './support/until.js';
import { VigilProcess } from './support/vigil-process.js';

/** The first fenced `lang` block after the heading `### title` of a README. */
function block(file: string, title: string, lang: string): string {
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(`\n### ${title}\n`);
  const m = at < 0 ? null : new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(text.slice(at));
  if (!m) throw new Error(`${file}: no \`\`\`${lang} block under "### ${title}"`);
  return m[1]!;
}

/** Every sample of a Prometheus text exposition: name, labels, value. */
function exposition(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  return text.split('\n').flatMap((line) => {
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) return [];
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    return [{ name: m[1]!, labels, value: Number(m[3]) }];
  });
}

/**
 * Issue 17's must-hold: Debian's Prometheus scrapes Debian's real node exporter (many label sets
 * per metric name, counters) and remote-writes with the ingest README's block into
 * `vigil start ingest detector`, which runs the detector README's selection rules. Before series
 * identity the CPU series of one name shared a slot and their interleaving made false counter
 * resets: thousands of samples dropped as counter_out_of_order within minutes.
 */
describe('node_exporter through Prometheus remote_write into the detector', () => {
  let bus: Bus;
  let vigil: VigilProcess | undefined;
  let exporter: NodeExporter | undefined;
  let prometheus: PrometheusServer | undefined;
  let rulesDir = '';
  let port = 0;

  beforeAll(async () => {
    bus = kafkaBus();
    await bus.connect();
    await bus.applyTopics(topicSpecs(loadCatalogue()));
    rulesDir = await mkdtemp(join(tmpdir(), 'vigil-detector-rules-'));
    await writeFile(join(rulesDir, 'select.yaml'), block('src/detector/README.md', 'Which series are scored (`rules/detector/`)', 'yaml'));
    exporter = await NodeExporter.start();
    port = (await freePorts(1))[0]!;
    vigil = new VigilProcess(['start', 'ingest', 'detector', '--port', String(port)], {
      KAFKA_BROKERS: brokers(),
      VIGIL_DEMO: 'false',
      VIGIL_GROUP_PREFIX: `node-exporter-${Date.now()}`,
      DETECTOR_RULES_DIR: rulesDir,
    });
    await vigil.serving(90_000);
  });
  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.stop();
    await vigil?.stop();
    await bus?.disconnect();
    if (rulesDir) await rm(rulesDir, { recursive: true, force: true });
  });

  it('no sample out of order, none unselected or over the cap, and every series that arrives scored in a slot of its own', async () => {
    const remoteWrite = block('src/ingest/README.md', 'Prometheus, only what the detector watches', 'yaml').replaceAll('localhost:8080', `127.0.0.1:${port}`);
    expect(remoteWrite).toMatch(/write_relabel_configs:/);
    prometheus = await PrometheusServer.start({ job: 'node', targets: [exporter!.address], extraConfig: remoteWrite });
    const url = `http://127.0.0.1:${port}/metrics`;
    const value = (samples: ReturnType<typeof exposition>, name: string, labels: Record<string, string> = {}) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);

    // How many CPU series Prometheus keeps for the detector on this machine (4 modes per CPU).
    let cpuSeries = 0;
    await until(
      async () => {
        const r = await prometheus!.query('count(node_cpu_seconds_total{mode=~"user|system|iowait|steal"})');
        cpuSeries = Number((r.data?.result as Array<{ value: [number, string] }> | undefined)?.[0]?.value[1] ?? 0);
        return cpuSeries > 0;
      },
      60_000,
      `Prometheus to scrape the node exporter:\n${prometheus.output}`,
    );
    expect(cpuSeries % 4).toBe(0);

    // Twenty steps scored with every CPU series in its own slot (scrapes come every second).
    let samples: ReturnType<typeof exposition> = [];
    await until(
      async () => {
        samples = exposition(await (await fetch(url)).text());
        return value(samples, 'vigil_detector_series', { metric: 'node_cpu_seconds_total' }) === cpuSeries && value(samples, 'vigil_detector_steps_scored_total') >= 20;
      },
      120_000,
      `20 scored steps with ${cpuSeries} CPU series:\n${vigil!.output}\n${prometheus.output}`,
    );

    const dropped = (reason: string) => value(samples, 'vigil_detector_samples_dropped_total', { reason });
    expect(dropped('counter_out_of_order')).toBe(0);
    expect(dropped('late')).toBe(0);
    expect(dropped('not_selected')).toBe(0);
    expect(dropped('series_cap')).toBe(0);
    expect(dropped('new_series')).toBe(0);
    expect(value(samples, 'vigil_detector_counter_resets_total')).toBe(0);
    expect(value(samples, 'vigil_detector_samples_scored_total')).toBeGreaterThan(20 * cpuSeries);

    // Every node_exporter series on telemetry.metrics (read back from the broker) has a slot of
    // its own: as many slots per metric name as distinct label sets arrived.
    const records = (await readAll(bus, 'telemetry.metrics', 1, 10_000)).flatMap((r) => samplesOf(JSON.parse(r.value!.toString()) as MetricRecordValue));
    const arrived = new Map<string, Set<string>>();
    for (const s of records) {
      if (!arrived.has(s.metric)) arrived.set(s.metric, new Set());
      arrived.get(s.metric)!.add(seriesKey(s));
    }
    expect(arrived.get('node_cpu_seconds_total')?.size).toBe(cpuSeries);
    expect([...arrived.keys()].every((name) => name.startsWith('node_')), [...arrived.keys()].join(', ')).toBe(true);
    samples = exposition(await (await fetch(url)).text());
    for (const [metric, keys] of arrived) expect(value(samples, 'vigil_detector_series', { metric }), metric).toBe(keys.size);
  }, 300_000);
});
