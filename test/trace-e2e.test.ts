import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../src/platform/kafka/local-broker.js';
import { firstWebhook, freshSchema, incidentsOf, newSecret, Receiver, rulesDir, startIncidents, type Api } from './incidents-harness.js';
import { backDatedStart, grossFaultEntity } from './support/synthetic-entity.js';
import { until } from './support/until.js';
import type { VigilProcess } from './support/vigil-process.js';

const SECRET = newSecret();
/** Bound on each wait: only a hang should reach it. */
const WAIT_MS = 120_000;

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: Array<{ key: string; value: { stringValue?: string; intValue?: number | string } }>;
}

/** OTLP span kinds (opentelemetry.proto.trace.v1.Span.SpanKind). */
const SERVER = 2;
const PRODUCER = 4;

/** A span's attributes as plain values (OTLP JSON may give ints as strings). */
function attributesOf(s: OtlpSpan): Record<string, string | number> {
  return Object.fromEntries((s.attributes ?? []).map((a) => [a.key, a.value.stringValue ?? Number(a.value.intValue)]));
}

/**
 * Where the spans go: an OTLP/HTTP endpoint (JSON, as @opentelemetry/exporter-trace-otlp-http
 * sends it) that keeps what it receives in memory. The process under test is configured only by
 * the standard OTEL_EXPORTER_OTLP_ENDPOINT, as an operator would point it at a Collector.
 */
class OtlpSink {
  readonly spans: OtlpSpan[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    const [port] = await freePorts(1);
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d));
      req.on('end', () => {
        const payload = JSON.parse(body || '{}') as { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: OtlpSpan[] }> }> };
        for (const rs of payload.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) this.spans.push(...(ss.spans ?? []));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
  }
}


/**
 * One trace from the ingest HTTP request to the remediation webhook: a client sends samples to
 * the ingest gateway with a W3C traceparent; the detector flags the entity, the incidents service
 * opens an incident and its rule calls a real receiver. The receiver's traceparent carries the
 * client's trace id, and the spans exported over OTLP link every hop into that one trace.
 * The detector stays in the chain; its finding is made certain by the samples: a gross fault
 * (every metric 50 standard deviations off for 40 steps) that any detector flags. Which steps it
 * flags, and whether it flags anything else, does not matter: every sample carries the trace.
 */
describe('one trace from ingest to the remediation webhook', () => {
  const sink = new OtlpSink();
  let receiver: Receiver;
  let vigil: VigilProcess;
  let api: Api;
  const cleanup: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    await sink.start();
    cleanup.push(() => sink.stop());
    receiver = new Receiver(SECRET);
    await receiver.start();
    cleanup.push(() => receiver.stop());
    const { schema, drop } = await freshSchema();
    const dir = await rulesDir({
      'trace.yaml': `rules:
  - name: restart-traced
    match:
      entity: "traced-*"
    actions:
      - name: restart
        webhook:
          url: ${receiver.url}/restart
          secret_env: TRACE_SECRET
`,
    });
    cleanup.push(dir.remove);
    ({ vigil, api } = await startIncidents(['ingest', 'detector', 'incidents', 'remediation'], {
      VIGIL_DATABASE_SCHEMA: schema,
      INCIDENTS_RULES_DIR: dir.dir,
      TRACE_SECRET: SECRET,
      // The synthetic entity's samples are back-dated by up to 11 hours: an incident opened by an
      // early (false) finding would be skipped as stale, and no webhook sent.
      REMEDIATION_MAX_FINDING_AGE_MS: String(24 * 3_600_000),
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      // Every traced sample gets a span of its own in the detector (5,000 here, in a few
      // batches): the SDK's default queue of 2,048 drops spans when the export falls behind,
      // and a dropped parent leaves its children orphaned in this check.
      OTEL_BSP_MAX_QUEUE_SIZE: '65536',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4096',
    }));
    cleanup.push(async () => {
      await vigil.stop();
      await drop();
    });
  }, 120_000);

  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('the receiver sees the client trace id, and the exported spans cover ingest, detector, incidents and the webhook', async () => {
    const entity = `traced-${Date.now().toString(36)}`;
    const traceId = randomBytes(16).toString('hex');
    const clientSpan = randomBytes(8).toString('hex');
    const traceparent = `00-${traceId}-${clientSpan}-01`;
    const { samples: all } = grossFaultEntity(entity, backDatedStart());
    for (let i = 0; i < all.length; i += 800) {
      const res = await fetch(`${api.base}/ingest/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent },
        body: JSON.stringify(all.slice(i, i + 800)),
      });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
    }

    await until(async () => (await incidentsOf(api, entity)).length > 0, WAIT_MS, `an incident for ${entity}`);
    const req = await firstWebhook(api, entity, receiver, WAIT_MS);
    expect(req.verified).toBe(true);
    expect(req.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    const names = () => new Set(sink.spans.filter((s) => s.traceId === traceId).map((s) => s.name));
    // The webhook request's CLIENT span is `POST <endpoint>`; ingest's SERVER spans are `POST <route>`.
    const isWebhook = (name: string) => name.startsWith('POST ') && !name.startsWith('POST /');
    await until(() => [...names()].some(isWebhook), WAIT_MS, 'the webhook span to be exported');
    // A span is exported when it ends, and a parent may end after its child (the webhook's parent
    // ends with the batch's commit): wait until every span's parent has been exported too. One
    // that never comes (dropped, or never ended) fails here, by name.
    const traced = () => sink.spans.filter((s) => s.traceId === traceId);
    const orphans = () => {
      const ids = new Set([clientSpan, ...traced().map((s) => s.spanId)]);
      return traced().filter((s) => s.parentSpanId && !ids.has(s.parentSpanId)).map((s) => s.name);
    };
    await until(() => orphans().length === 0, WAIT_MS, 'every span\'s parent exported').catch((e: Error) => {
      throw new Error(`${e.message}; spans whose parent never came: ${[...new Set(orphans())].join(', ')}`);
    });
    const spans = traced();
    const found = names();
    // The trace starts in Vigil at the HTTP request: one SERVER span per request, child of the
    // client's span, with the HTTP semantic conventions; each append to Kafka is its child.
    const requests = spans.filter((s) => s.name === 'POST /ingest/v1/metrics');
    expect(requests).toHaveLength(Math.ceil(all.length / 800));
    for (const r of requests) {
      expect(r.kind).toBe(SERVER);
      expect(r.parentSpanId).toBe(clientSpan);
      expect(attributesOf(r)).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/ingest/v1/metrics', 'url.path': '/ingest/v1/metrics', 'http.response.status_code': 200 });
    }
    const sends = spans.filter((s) => s.name === 'send telemetry.metrics');
    expect(sends).toHaveLength(requests.length);
    for (const send of sends) {
      expect(send.kind).toBe(PRODUCER);
      expect(requests.map((r) => r.spanId)).toContain(send.parentSpanId);
    }
    expect(found.has('send telemetry.metrics')).toBe(true); // ingest's append
    expect(found.has('process telemetry.metrics')).toBe(true); // the detector's stage
    expect(found.has('process aiops.anomalies')).toBe(true); // the incidents service's stage
    expect([...found].some(isWebhook)).toBe(true); // the webhook request
    // The webhook request's span is the parent the receiver was told about.
    const webhookSpan = spans.find((s) => isWebhook(s.name) && req.headers.traceparent?.includes(s.spanId));
    expect(webhookSpan).toBeDefined();
    console.log(`trace ${traceId}: ${spans.length} spans — ${[...found].sort().join(', ')}`);
  }, 5 * WAIT_MS);
});
