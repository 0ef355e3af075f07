import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { syntheticFailure, syntheticRequest } from '../src/logs/eval/synthetic-traffic.js';
import type { LogAnomalyEvent, LogRecordValue } from '../src/logs/types.js';
import type { Bus } from '../src/platform/bus/types.js';
import { freePorts } from '../src/platform/kafka/local-broker.js';
import { brokers, kafkaBus } from './support/kafka.js';
import { VigilProcess } from './support/vigil-process.js';

const REQUESTS = 250;
const FAIL_IP = '198.51.100.77';
const FAIL_EMAIL = 'oncall.lead@shop.example.com';

const isFailure = (a: LogAnomalyEvent) => a.kind === 'log_sequence' && /^FATAL disk/.test(a.templates[0]?.template ?? '');
// The burst's window also lost its one request line: the finding names both, the burst with its count.
const isBurst = (a: LogAnomalyEvent) => a.kind === 'log_counts' && a.templates.some((t) => /^cache miss for order <\*>/.test(t.template) && t.count === 80);
/** Bound on each wait: only a hang should reach it. */
const WAIT_MS = 90_000;

describe('logs service on Kafka', () => {
  let vigil: VigilProcess | undefined;
  let bus: Bus | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await vigil?.stop();
    vigil = undefined;
    await bus?.disconnect();
    bus = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('`vigil start logs`: learns normal requests, flags an unknown failure line and a burst by template, and nothing it publishes or stores holds an address or e-mail', async () => {
    const entity = `web-${Date.now().toString(36)}`;
    const templateDir = mkdtempSync(join(tmpdir(), 'vigil-log-templates-'));
    const group = `logs-${Date.now()}`;
    dirs.push(templateDir);
    const [port] = await freePorts(1);
    vigil = new VigilProcess(['start', 'logs', '--port', String(port)], {
      KAFKA_BROKERS: brokers(),
      VIGIL_DEMO: 'false',
      VIGIL_GROUP_PREFIX: group,
      LOGS_TEMPLATE_DIR: templateDir,
      LOGS_TEMPLATE_SAVE_MS: '0',
      LOGS_LSTM_COLD_START_LINES: '600',
      LOGS_LSTM_CHUNK_LINES: '40',
      LOGS_LSTM_UNITS: '32',
      LOGS_COUNT_WINDOW_MS: '1000',
      LOGS_COUNT_WARMUP_WINDOWS: '100',
      // After a finding an entity stream is quiet for this many lines. The probability floor flags
      // the burst's cache misses and the requests after them too: with no quiet lines, none of
      // those findings can hide the failure line (what is quiet after a finding: logs.service.spec).
      LOGS_SUPPRESS_LINES: '0',
    });
    const first = vigil;
    await first.until(() => first.output.includes('logs consuming telemetry.logs'), WAIT_MS, 'the logs consumer');

    bus = kafkaBus();
    await bus.connect();
    const send = (values: LogRecordValue[]) => bus!.send(values.map((v) => ({ topic: 'telemetry.logs', key: v.entity, value: JSON.stringify(v) })));
    // One request a second of event time, ending now: 1,000 lines, 250 one-second windows.
    // On a whole second, so the burst below (400 ms from t1) falls in one count window.
    const t0 = Math.floor(Date.now() / 1000) * 1000 - (REQUESTS + 5) * 1000;
    const normal = Array.from({ length: REQUESTS }, (_, i) => syntheticRequest(entity, i, t0 + i * 1000)).flat();
    const secrets = new Set<string>([FAIL_IP, FAIL_EMAIL]);
    for (const v of normal) for (const m of v.message.matchAll(/\b\d+\.\d+\.\d+\.\d+\b|2001:db8:[0-9a-f:]+|[\w.]+@[\w.]+|Bearer \S+/g)) secrets.add(m[0].replace('Bearer ', ''));
    for (let i = 0; i < normal.length; i += 200) await send(normal.slice(i, i + 200));
    await first.until(() => first.output.includes('log LSTM v1 trained'), WAIT_MS, 'the first LSTM training');

    // Then: a burst of cache misses in one second, normal requests, and a request interrupted by
    // a line never seen before.
    const t1 = t0 + REQUESTS * 1000;
    const burst = Array.from({ length: 80 }, (_, k) => ({ entity, timestamp: t1 + k * 5, message: `cache miss for order ${9_000_000 + k}, loading from db` }));
    const calm = Array.from({ length: 5 }, (_, k) => syntheticRequest(entity, REQUESTS + 1 + k, t1 + (1 + k) * 1000)).flat();
    const req = syntheticRequest(entity, REQUESTS + 10, t1 + 7000);
    await send([...burst, ...calm, req[0]!, req[1]!, syntheticFailure(entity, t1 + 7015, FAIL_IP, FAIL_EMAIL), req[2]!, req[3]!, ...syntheticRequest(entity, REQUESTS + 11, t1 + 8000)]);

    const found: LogAnomalyEvent[] = [];
    const raw: string[] = [];
    const sub = await bus.subscribe({ groupId: `reader-log-anomalies-${Date.now()}`, topics: ['aiops.anomalies', 'telemetry.logs.dlq'], fromBeginning: true }, async (batch, control) => {
      for (const r of batch.records) {
        const text = r.value!.toString('utf8');
        if (!text.includes(entity)) continue;
        raw.push(text);
        if (batch.topic === 'aiops.anomalies') found.push(JSON.parse(text) as LogAnomalyEvent);
      }
      await control.commit(String(BigInt(batch.records.at(-1)!.offset) + 1n));
    });
    try {
      // The burst's own window (what else the models flag, and when they have trained enough to
      // stop flagging, depends on the machine's speed: the offline evaluations judge that).
      const burstWindow = (a: LogAnomalyEvent) => isBurst(a) && a.window.start === t1;
      await first.until(() => found.some(isFailure) && found.some(burstWindow), WAIT_MS, `findings naming the failure and the burst for ${entity}`);
    } finally {
      await sub.stop();
    }
    const sequence = found.find(isFailure)!;
    expect(sequence).toMatchObject({ source: 'logs', entity, scorer: 'deeplog-lstm' });
    expect(sequence.labels.reason).toBe('unknown_template');
    expect(sequence.templates[0]!.template).toMatch(/^FATAL disk \/dev\/<\*> I\/O error/);
    expect(sequence.templates[0]!.example).toMatch(/paged <EMAIL> from <IP>$/);
    expect(sequence.score).toBeGreaterThanOrEqual(sequence.threshold);
    const counts = found.find((a) => isBurst(a) && a.window.start === t1)!;
    expect(counts.score).toBeGreaterThanOrEqual(counts.threshold);

    // Nothing out of the input's addresses, e-mails or tokens is in any record, or in the store.
    const stored = readFileSync(join(templateDir, 'templates.json'), 'utf8');
    expect(secrets.size).toBeGreaterThan(100);
    for (const s of secrets) {
      for (const text of raw) expect(text).not.toContain(s);
      expect(stored).not.toContain(s);
    }

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(Number(/^vigil_logs_lines_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(normal.length);
    expect(metrics).toMatch(/^vigil_logs_masked_total\{kind="ipv4"\} [1-9]/m);
    expect(metrics).toMatch(/^vigil_logs_masked_total\{kind="email"\} [1-9]/m);
    expect(metrics).toMatch(/^vigil_logs_templates [1-9]/m);
    expect(metrics).toMatch(/^vigil_logs_anomalies_total\{kind="log_sequence"\} [1-9]/m);
    const v = vigil;
    vigil = undefined;
    const code = await v.stop();
    expect(code === 0 || v.child.signalCode === 'SIGTERM', `exit ${code} ${v.child.signalCode}`).toBe(true);
    const version = Number(/"version":(\d+)/.exec(readFileSync(join(templateDir, 'templates.json'), 'utf8'))?.[1]);
    expect(version).toBeGreaterThan(0);

    // A new process of the same group (nothing left to read) takes the stored templates and LSTM over.
    const [port2] = await freePorts(1);
    vigil = new VigilProcess(['start', 'logs', '--port', String(port2)], { KAFKA_BROKERS: brokers(), VIGIL_DEMO: 'false', VIGIL_GROUP_PREFIX: group, LOGS_TEMPLATE_DIR: templateDir });
    const second = vigil;
    await second.until(() => second.output.includes('logs consuming telemetry.logs'), WAIT_MS, 'the restarted logs consumer');
    await second.serving();
    expect(vigil.output).toMatch(new RegExp(`template store ${templateDir}: version ${version}, [1-9]\\d* template\\(s\\) loaded`));
    expect(vigil.output).toContain(`model store ${templateDir}: LSTM v1 loaded, scoring from the first line`);
    expect(await (await fetch(`http://127.0.0.1:${port2}/metrics`)).text()).toMatch(new RegExp(`^vigil_logs_template_version ${version}$`, 'm'));
  }, 5 * WAIT_MS);
});
