import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { demoStep } from '../src/demo/demo.service.js';
import { DEFAULT_DEMO } from '../src/demo/options.js';
import { syntheticFailure, syntheticRequest } from '../src/logs/eval/synthetic-traffic.js';
import type { Bus } from '../src/platform/bus/types.js';
import { freePorts } from '../src/platform/kafka/local-broker.js';
import type { OutRecord } from '../src/platform/bus/types.js';
import { initBackend } from '../src/platform/ml/backend.js';
import { FEATURE_COUNT } from '../src/risk/features/feature-names.js';
import { RiskFeatureState } from '../src/risk/features/feature-state.js';
import { RiskModel } from '../src/risk/model/risk-model.js';
import { brokers, kafkaBus } from './support/kafka.js';
import { PrometheusServer, findBinary, type QueryResult } from './support/prometheus.js';
import { until } from './support/until.js';
import { VigilProcess } from './support/vigil-process.js';

const DASHBOARD_DIR = resolve('dashboards');
const RULE_DIR = resolve('rules/prometheus');

interface Target {
  expr?: string;
  refId: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query: string };
  definition?: string;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
  annotations: { list: Array<{ name: string; expr?: string; datasource?: { uid?: string } }> };
}

const dashboards = readdirSync(DASHBOARD_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, d: JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as Dashboard }));

/** Every panel, rows' nested panels included; rows themselves left out. */
function panelsOf(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));
}

function recordingRules(): Array<{ record: string; expr: string }> {
  return readdirSync(RULE_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => (parse(readFileSync(join(RULE_DIR, f), 'utf8')) as { groups: Array<{ rules: Array<{ record?: string; expr: string }> }> }).groups)
    .flatMap((g) => g.rules.filter((r): r is { record: string; expr: string } => r.record !== undefined));
}

/**
 * Range windows Grafana should size: rate() and irate() over `$__rate_interval`; increase() over
 * `$__rate_interval` too, or over `$__range` for a total across the time picked (stat panels).
 * A fixed window ([1m]) is too short at coarse zoom and too long at fine zoom.
 */
function rangeProblems(where: string, expr: string): string[] {
  const out: string[] = [];
  for (const m of expr.matchAll(/\b(rate|irate|increase)\((?:[^()[\]]|\([^()]*\))*\[([^\]]+)\]/g)) {
    const allowed = m[1] === 'increase' ? ['$__rate_interval', '$__range'] : ['$__rate_interval'];
    if (!allowed.includes(m[2]!)) out.push(`${where}: ${m[1]}() over [${m[2]}], not [${allowed.join('] or [')}]`);
  }
  return out;
}

describe('dashboards as files', () => {
  it('are current-schema Grafana JSON: unique uids, a Prometheus data source variable, units on every panel, $__rate_interval in rates and increases (annotations too)', () => {
    expect(dashboards.map((x) => x.file)).toEqual(['anomalies.json', 'incidents.json', 'model-health.json', 'pipeline.json', 'risk-reco.json']);
    expect(new Set(dashboards.map((x) => x.d.uid)).size).toBe(dashboards.length);
    const problems: string[] = [];
    for (const { file, d } of dashboards) {
      if (!(d.schemaVersion >= 39)) problems.push(`${file}: schemaVersion ${d.schemaVersion}`);
      const ds = d.templating.list.find((v) => v.name === 'datasource');
      if (ds?.type !== 'datasource' || ds.query !== 'prometheus') problems.push(`${file}: no Prometheus datasource variable`);
      for (const a of d.annotations.list.filter((x) => x.expr)) {
        if (a.datasource?.uid !== '${datasource}') problems.push(`${file} annotation ${a.name}: datasource is not \${datasource}`);
        problems.push(...rangeProblems(`${file} annotation ${a.name}`, a.expr!));
      }
      const panels = panelsOf(d);
      expect(panels.length, file).toBeGreaterThan(3);
      for (const p of panels) {
        const where = `${file} › ${p.title}`;
        if (p.datasource?.uid !== '${datasource}') problems.push(`${where}: datasource is not \${datasource}`);
        if (!p.fieldConfig?.defaults?.unit) problems.push(`${where}: no unit`);
        if (!p.targets?.length) problems.push(`${where}: no query`);
        for (const t of p.targets ?? []) {
          if (t.datasource?.uid !== '${datasource}') problems.push(`${where} ${t.refId}: datasource is not \${datasource}`);
          problems.push(...rangeProblems(`${where} ${t.refId}`, t.expr ?? ''));
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('are provisioned from dashboards/ with a Prometheus data source', () => {
    const provider = parse(readFileSync(join(DASHBOARD_DIR, 'provisioning/dashboards/vigil.yaml'), 'utf8')) as {
      apiVersion: number;
      providers: Array<{ type: string; options: { path: string } }>;
    };
    expect(provider.apiVersion).toBe(1);
    expect(provider.providers[0]).toMatchObject({ type: 'file', options: { path: '/var/lib/grafana/dashboards/vigil' } });
    const sources = parse(readFileSync(join(DASHBOARD_DIR, 'provisioning/datasources/prometheus.yaml'), 'utf8')) as {
      datasources: Array<{ type: string; url: string; isDefault?: boolean }>;
    };
    expect(sources.datasources).toContainEqual(expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true }));
    // docker-compose mounts dashboards/ where the provider looks (test/compose.test.ts checks the mount).
    const compose = readFileSync('docker-compose.yml', 'utf8');
    expect(compose).toContain('./dashboards:/var/lib/grafana/dashboards/vigil');
  });
});

describe('Prometheus rules', () => {
  it('pass promtool check rules and their promtool unit tests', () => {
    const promtool = findBinary('promtool');
    if (!promtool) throw new Error('promtool not found: apt-get install -y prometheus (or set PROMTOOL_BIN)');
    const files = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => join(dir, f));
    expect(files(RULE_DIR).length).toBeGreaterThanOrEqual(2);
    expect(execFileSync(promtool, ['check', 'rules', ...files(RULE_DIR)], { encoding: 'utf8' })).toMatch(/SUCCESS/);
    const tests = execFileSync(promtool, ['test', 'rules', ...files(join(RULE_DIR, 'tests'))], { encoding: 'utf8' });
    expect(tests).not.toMatch(/FAILED/);
    // Every alert links to its runbook section, and every section it links to exists.
    const alerts = (parse(readFileSync(join(RULE_DIR, 'alerts.yaml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; annotations: { runbook_url?: string } }> }> }).groups.flatMap((g) => g.rules);
    const runbooks = readFileSync('README.md', 'utf8');
    for (const a of alerts) {
      const anchor = /^README\.md#(runbook-[a-z-]+)$/.exec(a.annotations.runbook_url ?? '')?.[1];
      expect(anchor, `${a.alert} runbook_url`).toBeDefined();
      const heading = runbooks.split('\n').find((l) => l.startsWith('### ') && githubAnchor(l.slice(4)) === anchor);
      expect(heading, `${a.alert}: a "### Runbook: ..." heading for #${anchor}`).toBeDefined();
      expect(runbooks, `${a.alert} is named in its runbook`).toContain(`\`${a.alert}\``);
    }
  });
});

/**
 * A logistic fraud model trained in the test on made-up transactions (large amounts are fraud),
 * saved where RISK_MODEL_DIR points: a real model to score with and retrain, not a good one.
 * Its retraining runs use the options saved with it (few epochs), so they take a moment.
 */
async function saveSmallRiskModel(dir: string): Promise<void> {
  await initBackend(() => {});
  const n = 400;
  const state = new RiskFeatureState();
  const rows = new Float32Array(n * FEATURE_COUNT);
  const labels = new Uint8Array(n);
  const start = Date.now() - 30 * 86_400_000;
  for (let i = 0; i < n; i++) {
    labels[i] = i % 4 === 0 ? 1 : 0;
    const tx = { id: `m${i}`, time: start + i * 3_600_000, customerId: `c${i % 40}`, terminalId: `t${i % 7}`, amount: labels[i] ? 400 + (i % 50) : 20 + (i % 50) };
    state.observe(tx, rows.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT));
  }
  const model = await RiskModel.train(rows, labels, n, { kind: 'logistic', hidden: [], epochs: 5, batchSize: 64, learningRate: 0.05, seed: 1 }, { data: 'dashboards test' });
  await model.save(dir);
  model.dispose();
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens. */
function githubAnchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

/** True when the result holds at least one finite value: an empty result or only NaN is no data. */
function hasData(r: QueryResult): boolean {
  const result = r.data?.result;
  if (!result) return false;
  if (r.data!.resultType === 'scalar') return Number.isFinite(Number((result as [number, string])[1]));
  return (result as Array<{ value?: [number, string]; values?: Array<[number, string]> }>).some(
    (s) => (s.value && Number.isFinite(Number(s.value[1]))) || (s.values ?? []).some((v) => Number.isFinite(Number(v[1]))),
  );
}

// What Grafana substitutes with the shipped data source (timeInterval 15s, the scrape interval):
// $__rate_interval is max($__interval + 15s, 4 × 15s) = 1m.
const GRAFANA_VARS: Record<string, string> = { __rate_interval: '1m', __range: '5m', __interval: '5s' };

function interpolate(expr: string, vars: Record<string, string>): string {
  const all = { ...GRAFANA_VARS, ...vars };
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a: string | undefined, b: string | undefined) => all[(a ?? b)!] ?? whole);
}

describe('dashboards and recording rules on a real Prometheus scraping Vigil under load', () => {
  const run = `dash${Date.now().toString(36)}`;
  const entity = (h: string) => h.replace(/^demo-/, `${run}-`);
  let vigil: VigilProcess | undefined;
  let prom: PrometheusServer | undefined;
  let bus: Bus | undefined;
  let loading = false;
  let load: Promise<void> = Promise.resolve();
  const loadErrors: string[] = [];
  let vigilUrl = '';
  let startedAt = 0;
  /** Bound on the wait for every expression to return data (only a missing metric or event should reach it). */
  const CHECK_MS = 240_000;
  // The incidents service acts on this run's entities only: a remediation rule of its own
  // calling a local receiver, so the remediation and webhook panels have something to show.
  let rulesDir = '';
  let templateDir = '';
  // The risk scorer runs a small model of its own and retrains it every few seconds on this run's
  // labels, so the retraining panels (runs, holdout average precision) have something to show.
  let riskModelDir = '';
  let receiver: Server | undefined;
  let webhooks = 0;

  // Demo steps one second apart in event time, the first BACKFILL of them at once: enough for
  // every entity to warm up (150 steps), train its autoencoder (cold start: 400 steps), see
  // faults and build a drift measure; the rest keep coming, STEPS_PER_TICK at a time, while
  // Prometheus scrapes. The demo's "day" is shortened so that the detector has seen whole
  // cycles before it may alarm, and a host goes wrong every 60 steps.
  const BACKFILL = 560;
  const STEPS_PER_TICK = 4;
  const DEMO = { ...DEFAULT_DEMO, dayLength: 40, faultEvery: 60, faultLength: 10 };
  // Log traffic of a web service, a request a second of event time: LOG_REQUESTS of them at once.
  const LOG_REQUESTS = 250;
  const logT0 = Date.now() - (LOG_REQUESTS + 5) * 1000;
  const t0 = Math.floor(Date.now() / 1000) * 1000 - BACKFILL * 1000;
  let step = 0;
  const demo = (from: number, to: number): OutRecord[] => {
    const out: OutRecord[] = [];
    for (let s = from; s < to; s++) {
      for (const x of demoStep(s, t0 + s * 1000, DEMO)) {
        const e = entity(x.entity);
        out.push({ topic: 'telemetry.metrics', key: e, value: JSON.stringify({ ...x, entity: e }), headers: {} });
      }
    }
    return out;
  };

  /** One tick of load on every service the default `vigil start` runs. */
  let tick = 0;
  async function loadTick(): Promise<void> {
    const n = tick++;
    const now = Date.now();
    const out: OutRecord[] = demo(step, step + STEPS_PER_TICK);
    step += STEPS_PER_TICK;
    // Logs: a request a tick; at tick 10, a burst of cache misses and a line never seen before.
    const web = `${run}-web`;
    const logsAt = logT0 + (LOG_REQUESTS + n) * 1000;
    const lines = syntheticRequest(web, LOG_REQUESTS + n, logsAt);
    if (n === 10) {
      for (let k = 0; k < 80; k++) lines.push({ entity: web, timestamp: logsAt + 100 + k * 5, message: `cache miss for order ${9_000_000 + k}, loading from db` });
      lines.push(syntheticFailure(web, logsAt + 600, '198.51.100.77', 'oncall@shop.example.com'));
    }
    for (const v of lines) out.push({ topic: 'telemetry.logs', key: web, value: JSON.stringify(v), headers: {} });
    // Dead letters (invalid JSON) and late samples the detector must drop; the predictor drops the
    // one of a metric it watches (a limit of rules/predictor applies to it). Late for the demo's
    // own series: the same labels (a sample without them would be a series of its own).
    out.push({ topic: 'telemetry.metrics', key: 'broken', value: 'not json', headers: {} });
    const { labels } = demoStep(0, t0, DEMO)[0]!;
    for (const [metric, value] of [['cpu_utilization', 0.5], ['disk_used_ratio', 0.4]] as const) {
      out.push({ topic: 'telemetry.metrics', key: entity('demo-host-00'), value: JSON.stringify({ entity: entity('demo-host-00'), metric, labels, timestamp: t0, value }), headers: {} });
    }
    // Operator feedback: judged anomalies, one in three a false positive.
    out.push({
      topic: 'aiops.feedback',
      key: entity('demo-host-02'),
      value: JSON.stringify({ id: `${run}-fb-${n}`, entity: entity('demo-host-02'), timestamp: now, kind: n % 3 === 0 ? 'false_positive' : 'true_positive' }),
      headers: {},
    });
    // Card transactions: ordinary ones, one over the hard limit (a rule fires), one in a currency the service refuses; labels for them.
    for (let k = 0; k < 12; k++) {
      const id = `${run}-tx-${n}-${k}`;
      const customer = `${run}-c${(n * 12 + k) % 40}`;
      const terminal = `${run}-t${k % 7}`;
      const amount = k === 0 ? 20_000 : 5 + ((n * 37 + k * 11) % 200);
      const currency = k === 1 ? 'XYZ' : 'EUR';
      out.push({ topic: 'risk.transactions', key: customer, value: JSON.stringify({ transaction_id: id, timestamp: now, customer_id: customer, terminal_id: terminal, amount, currency }), headers: {} });
      if (k % 3 === 0) {
        out.push({
          topic: 'risk.labels',
          key: customer,
          value: JSON.stringify({ transaction_id: id, customer_id: customer, terminal_id: terminal, transaction_timestamp: now, timestamp: now + 1000, fraud: k === 0, amount }),
          headers: {},
        });
      }
    }
    // Interactions for the recommender.
    for (let k = 0; k < 10; k++) {
      const user = `${run}-u${(n * 10 + k) % 30}`;
      out.push({ topic: 'reco.interactions', key: user, value: JSON.stringify({ user, item: `${run}-i${(n * 7 + k * 13) % 150}`, timestamp: now, type: 'view' }), headers: {} });
    }
    await bus!.send(out);
    // The same host's samples through the ingest gateway's plain JSON endpoint, and a request it must refuse.
    const ingested = demoStep(step - 1, t0 + (step - 1) * 1000, DEMO)
      .filter((x) => x.entity === 'demo-host-00')
      .map((x) => ({ ...x, entity: `${run}-ingest-00` }));
    for (const body of [ingested, [{ metric: 'cpu_utilization', value: 'high' }]]) {
      // A 503 means "nothing was accepted, retry" (the broker's acknowledgement did not come in
      // time): retried once, as remote_write clients do; a second one fails the test.
      for (let attempt = 1; ; attempt++) {
        const res = await fetch(`${vigilUrl}/ingest/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const answer = await res.text();
        if (res.status === 503 && attempt === 1) continue;
        if (res.status >= 500) throw new Error(`ingest answered ${res.status} (attempt ${attempt}): ${answer.slice(0, 200)}`);
        break;
      }
    }
    // Requests for recommendations.
    await Promise.all(
      Array.from({ length: 4 }, (_, k) => fetch(`${vigilUrl}/recommendations/${encodeURIComponent(`${run}-u${(n + k) % 30}`)}?k=10`).then((r) => r.arrayBuffer())),
    );
  }

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      webhooks++;
      req.resume().on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', r));
    rulesDir = await mkdtemp(join(tmpdir(), 'vigil-dashboards-rules-'));
    templateDir = await mkdtemp(join(tmpdir(), 'vigil-dashboards-templates-'));
    riskModelDir = await mkdtemp(join(tmpdir(), 'vigil-dashboards-risk-'));
    await saveSmallRiskModel(riskModelDir);
    await writeFile(
      join(rulesDir, 'dashboards.yaml'),
      [
        'rules:',
        '  - name: restart-on-anomaly',
        '    match:',
        `      entity: "${run}-*"`,
        '    actions:',
        '      - name: restart',
        '        webhook:',
        `          url: http://127.0.0.1:${(receiver.address() as { port: number }).port}/restart`,
        '          secret_env: DASHBOARDS_WEBHOOK_SECRET',
        '',
      ].join('\n'),
    );
    const [port] = await freePorts(1);
    vigilUrl = `http://127.0.0.1:${port}`;
    vigil = new VigilProcess(['start', '--port', String(port)], {
      KAFKA_BROKERS: brokers(),
      VIGIL_DEMO: 'false',
      VIGIL_GROUP_PREFIX: run,
      RISK_CURRENCIES: 'EUR,USD',
      RISK_MODEL_DIR: riskModelDir,
      RISK_LABEL_DELAY_DAYS: '0',
      RISK_RETRAIN_INTERVAL: '15s',
      RISK_RETRAIN_MIN_ROWS: '40',
      RISK_RETRAIN_MIN_FRAUDS: '5',
      // Incidents in memory (no PostgreSQL for this test), remediation by the rule above.
      VIGIL_DATABASE_URL: '',
      PGHOST: '',
      PGDATABASE: '',
      INCIDENTS_RULES_DIR: rulesDir,
      DASHBOARDS_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
      // Predictor: models in memory, and every due series trained in one short call, so that the
      // demo's 48 watched series have models (and predictions for its faults) within the run.
      PREDICTOR_MODEL_DIR: '',
      PREDICTOR_EPOCHS: '2',
      PREDICTOR_MAX_TRAIN_PER_BATCH: '64',
      // Logs: the settings of the logs service's own test, so that its LSTM trains within seconds.
      LOGS_TEMPLATE_DIR: templateDir,
      LOGS_TEMPLATE_SAVE_MS: '0',
      LOGS_LSTM_COLD_START_LINES: '600',
      LOGS_LSTM_CHUNK_LINES: '40',
      LOGS_LSTM_UNITS: '32',
      LOGS_COUNT_WINDOW_MS: '1000',
      LOGS_COUNT_WARMUP_WINDOWS: '100',
      LOGS_SUPPRESS_LINES: '0',
    });
    const v = vigil;
    await v.until(async () => (await fetch(`${vigilUrl}/health/ready`).catch(() => undefined))?.ok === true, 90_000, 'readiness of vigil start');
    bus = kafkaBus();
    await bus.connect();
    prom = await PrometheusServer.start({
      targets: [`127.0.0.1:${port}`],
      // The scrape timeout is the interval: 5 s, so that a process busy training its models on a
      // loaded machine still answers in time (at 1 s its scrapes failed beside a CPU burner, and a
      // one-time event such as the first trainings was then never seen); a 1m rate window still
      // holds a dozen samples.
      scrapeInterval: '5s',
      ruleFiles: readdirSync(RULE_DIR)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => join(RULE_DIR, f)),
    });
    startedAt = Date.now() / 1000;
    // Counters must be seen before they move: Prometheus cannot tell what a series' first sample counted.
    await until(async () => (await prom!.targets()).some((t) => t.health === 'up'), 30_000, 'the first scrape of Vigil');
    for (let from = 0; from < BACKFILL; from += 50) await bus.send(demo(from, Math.min(BACKFILL, from + 50)));
    const logs = Array.from({ length: LOG_REQUESTS }, (_, i) => syntheticRequest(`${run}-web`, i, logT0 + i * 1000)).flat();
    await bus.send(logs.map((v) => ({ topic: 'telemetry.logs', key: v.entity, value: JSON.stringify(v), headers: {} })));
    step = BACKFILL;
    loading = true;
    load = (async () => {
      while (loading) {
        const started = Date.now();
        await loadTick().catch((err: Error) => void loadErrors.push(err.message));
        // The load's pace, a tick every 500 ms, is part of the scenario (not a wait for something).
        await new Promise((r) => setTimeout(r, Math.max(0, 500 - (Date.now() - started))));
      }
    })();
  }, 180_000);

  afterAll(async () => {
    loading = false;
    await load;
    await bus?.disconnect();
    await prom?.stop();
    const code = await vigil?.stop();
    await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
    for (const dir of [rulesDir, templateDir, riskModelDir]) if (dir) await rm(dir, { recursive: true, force: true });
    expect(code, `vigil did not stop cleanly; its last output:\n${vigil?.output.slice(-6000)}`).toBe(0);
  }, 60_000);

  it('every PromQL expression of every dashboard panel, annotation and recording rule parses and returns data; every rule evaluates', async () => {
    // A check passes once it returned data: rare events (a retrain, a webhook call) show in short
    // rate windows only for a while after they happen.
    const pending = new Map<string, string>();
    const passed = new Set<string>();
    // A bound on the wait, not a measure: what is missing at the end is reported by name.
    const deadline = Date.now() + CHECK_MS;
    let reported = Date.now();
    for (;;) {
      pending.clear();
      // Template variables: what Grafana would list (label_values), "All" for multi-value ones.
      const vars: Record<string, Record<string, string>> = {};
      for (const { file, d } of dashboards) {
        vars[file] = {};
        for (const v of d.templating.list.filter((x) => x.type === 'query')) {
          const def = /^label_values\((.+),\s*(\w+)\)$/.exec(v.definition ?? '');
          if (!def) {
            pending.set(`${file} variable ${v.name}`, `unsupported definition ${v.definition}`);
            continue;
          }
          const values = (await prom!.labelValues(def[2]!, def[1]!)).sort();
          if (values.length === 0) pending.set(`${file} variable ${v.name}`, `label_values(${def[1]}, ${def[2]}) lists nothing`);
          vars[file]![v.name] = v.includeAll ? (v.allValue ?? values.join('|')) : (values[0] ?? '');
        }
      }
      const now = Date.now() / 1000;
      const checks: Array<{ where: string; expr: string; range: boolean }> = [];
      for (const { file, d } of dashboards) {
        for (const p of panelsOf(d)) {
          for (const t of p.targets ?? []) checks.push({ where: `${file} › ${p.title} › ${t.refId}`, expr: interpolate(t.expr ?? '', vars[file]!), range: false });
        }
        // Annotations mark events (retrains): data somewhere over the run, not necessarily now.
        for (const a of d.annotations.list.filter((x) => x.expr)) checks.push({ where: `${file} annotation ${a.name}`, expr: interpolate(a.expr!, vars[file]!), range: true });
      }
      for (const r of recordingRules()) checks.push({ where: `rule ${r.record}`, expr: r.expr, range: false });
      for (const c of checks.filter((x) => !passed.has(x.where))) {
        const r = c.range ? await prom!.queryRange(c.expr, startedAt, now, 5) : await prom!.query(c.expr);
        if (r.status !== 'success') pending.set(c.where, `${r.errorType}: ${r.error} in ${c.expr}`);
        else if (!hasData(r)) pending.set(c.where, `no data: ${c.expr}`);
        else passed.add(c.where);
      }
      for (const g of await prom!.rules()) {
        for (const r of g.rules) if (r.health !== 'ok') pending.set(`rule ${r.name}`, `health ${r.health} ${r.lastError ?? ''}`);
      }
      if (pending.size === 0 || Date.now() > deadline) break;
      if (Date.now() - reported > 10_000) {
        reported = Date.now();
        console.log(`${Math.round(Date.now() / 1000 - startedAt)} s: ${pending.size} without data yet: ${[...pending.keys()].join('; ')}`);
      }
      // Each round is a few hundred queries: it paces itself; this only spaces the rounds.
      await new Promise((r) => setTimeout(r, 200));
    }
    if (pending.size > 0) {
      // What Vigil exported for the metrics of the failing queries, to tell a missing metric from a missing event.
      const names = new Set([...pending.values()].flatMap((m) => m.match(/\b(?:vigil|kafka|process|nodejs)_\w+/g) ?? []).map((n) => n.replace(/_(bucket|count|sum)$/, '')));
      const text = await (await fetch(`${vigilUrl}/metrics`)).text();
      console.log(text.split('\n').filter((l) => [...names].some((n) => l.startsWith(n))).slice(0, 60).join('\n'));
    }
    if (pending.size > 0) console.log(`webhooks received: ${webhooks}\n${vigil!.output.split('\n').filter((l) => /anomaly|incident|remediation|error/i.test(l)).slice(-30).join('\n')}`);
    expect(loadErrors.slice(0, 3)).toEqual([]);
    // Scrapes that failed (say, too slow) show as missing data above; the last one's error, if any, says why.
    expect(Object.fromEntries(pending), `scrape target: ${JSON.stringify(await prom!.targets())}`).toEqual({});
  }, CHECK_MS + 60_000);
});
