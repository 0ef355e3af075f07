import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePorts } from '../../src/platform/kafka/local-broker.js';
import { ChildWatch } from './child-watch.js';
import { until } from './until.js';

/**
 * Debian's `prometheus` package (`apt-get install -y prometheus`) puts `prometheus` and
 * `promtool` in /usr/bin, its `prometheus-node-exporter` package `prometheus-node-exporter`.
 * PROMETHEUS_BIN / PROMTOOL_BIN / PROMETHEUS_NODE_EXPORTER_BIN override; otherwise PATH, then
 * the usual places. Undefined when not installed.
 */
export function findBinary(name: 'prometheus' | 'promtool' | 'prometheus-node-exporter'): string | undefined {
  const override = process.env[`${name.toUpperCase().replaceAll('-', '_')}_BIN`];
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/local/bin', '/usr/sbin'];
  for (const candidate of override ? [override] : dirs.map((d) => join(d, name))) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface PrometheusOptions {
  /** host:port targets of the job (`vigil` unless `job` says), scraped at /metrics. */
  targets: string[];
  job?: string;
  /** Absolute paths of rule files to load. */
  ruleFiles?: string[];
  scrapeInterval?: string;
  evaluationInterval?: string;
  /** More top-level configuration (YAML), such as a `remote_write:` block. */
  extraConfig?: string;
}

export interface Sample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: Array<[number, string]>;
}

export interface QueryResult {
  status: 'success' | 'error';
  error?: string;
  errorType?: string;
  data?: { resultType: 'vector' | 'matrix' | 'scalar' | 'string'; result: Sample[] | [number, string] };
}

/** A real Prometheus server of its own: temporary directory, free port, stopped by `stop()`. */
export class PrometheusServer {
  private child: ChildProcess | undefined;
  private watch: ChildWatch | undefined;
  private dir = '';
  url = '';

  /** What the server wrote to stdout and stderr so far. */
  get output(): string {
    return this.watch?.output ?? '';
  }

  /** Started and ready; on failure nothing is left running or on disk. */
  static async start(options: PrometheusOptions): Promise<PrometheusServer> {
    const server = new PrometheusServer();
    try {
      await server.launch(options);
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  private async launch(options: PrometheusOptions): Promise<void> {
    const bin = findBinary('prometheus');
    if (!bin) throw new Error('prometheus not found: apt-get install -y prometheus (or set PROMETHEUS_BIN)');
    this.dir = await mkdtemp(join(tmpdir(), 'vigil-prometheus-'));
    const [port] = await freePorts(1);
    const config = [
      'global:',
      `  scrape_interval: ${options.scrapeInterval ?? '1s'}`,
      `  evaluation_interval: ${options.evaluationInterval ?? '1s'}`,
      'rule_files:',
      ...(options.ruleFiles ?? []).map((f) => `  - ${JSON.stringify(f)}`),
      ...(options.ruleFiles?.length ? [] : ['  []']),
      'scrape_configs:',
      `  - job_name: ${options.job ?? 'vigil'}`,
      '    static_configs:',
      `      - targets: ${JSON.stringify(options.targets)}`,
      options.extraConfig ?? '',
      '',
    ].join('\n');
    const configFile = join(this.dir, 'prometheus.yml');
    await writeFile(configFile, config);
    this.url = `http://127.0.0.1:${port}`;
    this.child = spawn(
      bin,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const watch = (this.watch = new ChildWatch('prometheus', this.child));
    await until(() => fetch(`${this.url}/-/ready`).then((r) => r.ok, () => false), 60_000, 'prometheus to be ready', watch);
  }

  /** An instant query (`time` in Unix seconds, default now). */
  query(expr: string, time?: number): Promise<QueryResult> {
    return this.api('/api/v1/query', { query: expr, ...(time !== undefined && { time: String(time) }) });
  }

  queryRange(expr: string, start: number, end: number, step: number): Promise<QueryResult> {
    return this.api('/api/v1/query_range', { query: expr, start: String(start), end: String(end), step: String(step) });
  }

  /** Values of a label on the series of a metric (what Grafana's label_values(metric, label) lists). */
  async labelValues(label: string, match: string): Promise<string[]> {
    const r = (await (await fetch(`${this.url}/api/v1/label/${encodeURIComponent(label)}/values?${new URLSearchParams({ 'match[]': match })}`)).json()) as { data?: string[] };
    return r.data ?? [];
  }

  async rules(): Promise<Array<{ name: string; rules: Array<{ name: string; type: 'recording' | 'alerting'; query: string; health: string; lastError?: string }> }>> {
    const r = (await (await fetch(`${this.url}/api/v1/rules`)).json()) as { data: { groups: Awaited<ReturnType<PrometheusServer['rules']>> } };
    return r.data.groups;
  }

  async targets(): Promise<Array<{ health: string; lastError: string; scrapeUrl: string }>> {
    const r = (await (await fetch(`${this.url}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string; lastError: string; scrapeUrl: string }> } };
    return r.data.activeTargets;
  }

  private async api(path: string, params: Record<string, string>): Promise<QueryResult> {
    const res = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params),
    });
    return (await res.json()) as QueryResult;
  }

  /** SIGTERM (SIGKILL after 10 s), then the temporary directory goes. */
  async stop(): Promise<void> {
    const child = this.child;
    this.watch?.forget();
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    this.child = undefined;
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
