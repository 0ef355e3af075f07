import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../src/platform/kafka/local-broker.js';
import { hostilePayloads, json } from './support/hostile-payloads.js';
import { brokers } from './support/kafka.js';
import { until } from './support/until.js';
import { VigilProcess } from './support/vigil-process.js';

/** Hostile bodies: none is a valid request to any Vigil endpoint. */
function hostileBodies(): Array<{ name: string; body: Buffer }> {
  return [
    ...hostilePayloads(),
    { name: 'huge string', body: json({ entity: 'x'.repeat(600_000), metric: 'm', timestamp: 1, value: 1, reason: 'y'.repeat(600_000) }) },
    { name: 'wrong types', body: json({ entity: 42, metric: ['m'], timestamp: '2026-01-01', value: 'high', matchers: 'all', starts_at: {}, ends_at: [] }) },
    { name: 'binary noise', body: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)) },
  ];
}

interface Endpoint {
  method: 'POST' | 'DELETE';
  path: string;
  contentType: string;
  headers?: Record<string, string>;
  token: 'ingest' | 'api';
}

const INGEST_TOKEN = 'fuzz-ingest-token';
const API_TOKEN = 'fuzz-api-token';

/** Every endpoint that takes a body or changes state, each with the content types it accepts. */
const ENDPOINTS: Endpoint[] = [
  { method: 'POST', path: '/api/v1/write', contentType: 'application/x-protobuf', headers: { 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' }, token: 'ingest' },
  { method: 'POST', path: '/v1/metrics', contentType: 'application/json', token: 'ingest' },
  { method: 'POST', path: '/v1/metrics', contentType: 'application/x-protobuf', token: 'ingest' },
  { method: 'POST', path: '/v1/logs', contentType: 'application/json', token: 'ingest' },
  { method: 'POST', path: '/v1/logs', contentType: 'application/x-protobuf', headers: { 'content-encoding': 'gzip' }, token: 'ingest' },
  { method: 'POST', path: '/ingest/v1/metrics', contentType: 'application/json', token: 'ingest' },
  { method: 'POST', path: '/ingest/v1/metrics', contentType: 'application/x-ndjson', token: 'ingest' },
  { method: 'POST', path: '/ingest/v1/logs', contentType: 'application/json', token: 'ingest' },
  { method: 'POST', path: '/silences', contentType: 'application/json', token: 'api' },
  { method: 'POST', path: '/incidents/00000000-0000-0000-0000-000000000000/ack', contentType: 'application/json', token: 'api' },
  { method: 'POST', path: '/incidents/not-an-id/resolve', contentType: 'application/json', token: 'api' },
  { method: 'POST', path: '/incidents/%00%ff/false-positive', contentType: 'application/json', token: 'api' },
  { method: 'POST', path: '/actions/00000000-0000-0000-0000-000000000000/approve', contentType: 'application/json', token: 'api' },
  { method: 'POST', path: '/actions/x/reject', contentType: 'application/json', token: 'api' },
  { method: 'DELETE', path: '/silences/nope', contentType: 'application/json', token: 'api' },
];

/** Hostile query strings and path parameters on the read endpoints. */
const HOSTILE_GETS = [
  '/recommendations/u1?k=-1',
  '/recommendations/u1?k=1e309',
  '/recommendations/u1?k=NaN',
  `/recommendations/${'u'.repeat(5000)}?k=10&k=20`,
  '/incidents?status=%00',
  '/incidents?limit=-5',
  '/actions?limit=abc',
];

const sum = (text: string, name: string, labelFilter: (labels: string) => boolean) =>
  [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))].filter((m) => labelFilter(m[1]!)).reduce((s, m) => s + Number(m[2]), 0);

/**
 * The HTTP side of the fuzz run (the topic side is fuzz-inputs.test.ts): hostile bodies on every
 * endpoint that takes one, hostile parameters on the read endpoints, through `vigil start ingest
 * incidents remediation reco` on the real broker. Nothing may crash or answer 5xx; every refusal is a 4xx
 * that says why, and every one is counted in vigil_http_requests_total.
 */
describe('fuzzing every HTTP endpoint', () => {
  let vigil: VigilProcess;
  let base: string;

  beforeAll(async () => {
    const [port] = await freePorts(1);
    base = `http://127.0.0.1:${port}`;
    vigil = new VigilProcess(['start', 'ingest', 'incidents', 'remediation', 'reco', '--port', String(port)], {
      KAFKA_BROKERS: brokers(),
      VIGIL_DEMO: 'false',
      VIGIL_GROUP_PREFIX: `hf${Date.now().toString(36)}`,
      INGEST_TOKENS: `fuzz=${INGEST_TOKEN}`,
      INGEST_MAX_BODY_BYTES: String(256 * 1024),
      VIGIL_API_TOKENS: API_TOKEN,
      VIGIL_DATABASE_URL: '',
      PGHOST: '',
      PGDATABASE: '',
    });
    await until(async () => (await fetch(`${base}/health/ready`).catch(() => undefined))?.ok === true, 90_000, 'readiness').catch((err: Error) => {
      throw new Error(`${err.message}; vigil's last output:\n${vigil.output.slice(-3000)}`);
    });
  });
  afterAll(async () => {
    const code = await vigil?.stop();
    expect(code, `vigil did not stop cleanly; its last output:\n${vigil?.output.slice(-3000)}`).toBe(0);
  });

  it('answers every hostile request with a 4xx that says why, stays up, and counts each refusal', async () => {
    const before = await (await fetch(`${base}/metrics`)).text();
    const refusals = (text: string) => sum(text, 'vigil_http_requests_total', (l) => /status="4\d\d"/.test(l));
    const serverErrors = (text: string) => sum(text, 'vigil_http_requests_total', (l) => /status="5\d\d"/.test(l));

    const answers: Array<{ what: string; status: number; body: string }> = [];
    for (const e of ENDPOINTS) {
      for (const h of hostileBodies()) {
        const token = e.token === 'ingest' ? INGEST_TOKEN : API_TOKEN;
        const what = `${e.method} ${e.path} (${e.contentType}) ${h.name}`;
        const res = await fetch(`${base}${e.path}`, {
          method: e.method,
          body: h.body,
          headers: { 'content-type': e.contentType, authorization: `Bearer ${token}`, ...e.headers },
        }).catch((err: Error) => new Error(`${what}: ${err.message} (${String((err.cause as Error | undefined)?.message)})`));
        if (res instanceof Error) {
          // A body over the limit is refused (413) as soon as its Content-Length is read, and the
          // server may close the socket while the client is still writing: the client then sees
          // the reset, not the answer. The server's own count (checked below) still shows the 4xx.
          if (h.name === 'huge string' && /EPIPE|ECONNRESET/.test(res.message)) {
            answers.push({ what, status: 413, body: 'connection closed after the server refused the oversized body' });
            continue;
          }
          throw res;
        }
        answers.push({ what, status: res.status, body: await res.text() });
      }
    }
    for (const path of HOSTILE_GETS) {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
      answers.push({ what: `GET ${path.slice(0, 80)}`, status: res.status, body: await res.text() });
    }

    const byStatus = new Map<number, number>();
    for (const a of answers) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
    console.log(`http fuzz: ${answers.length} hostile requests; answers by status ${JSON.stringify(Object.fromEntries(byStatus))}`);

    // Reads with odd parameters may be answered (a clamped k, an empty list), and OTLP/JSON
    // ignores unknown fields by its spec, so an object of only those is an empty export request
    // (200, nothing written: checked below). Anything else must be refused; nothing may fail.
    const mayAnswer = (what: string) => what.startsWith('GET') || /^POST \/v1\/(metrics|logs) \(application\/json\)/.test(what);
    const bad = answers.filter((a) => a.status >= 500 || (a.status < 400 && !mayAnswer(a.what)));
    expect(bad.map((a) => `${a.what} → ${a.status} ${a.body.slice(0, 200)}`)).toEqual([]);
    // Every refusal says what was wrong.
    const silent = answers.filter((a) => a.status >= 400 && a.body.trim().length < 10);
    expect(silent.map((a) => `${a.what} → ${a.status} "${a.body}"`)).toEqual([]);

    expect(vigil.child.exitCode).toBeNull();
    expect((await fetch(`${base}/health/ready`)).ok).toBe(true);
    const after = await (await fetch(`${base}/metrics`)).text();
    const refused = answers.filter((a) => a.status >= 400).length;
    expect(refusals(after) - refusals(before)).toBe(refused);
    expect(serverErrors(after)).toBe(0);
    // Not one hostile sample or log record got through.
    const accepted = (text: string) => sum(text, 'vigil_ingest_samples_accepted_total', () => true);
    expect(accepted(after) - accepted(before)).toBe(0);
    // The ingest endpoints also count their own refusals, by source and status code.
    const ingestRefused = answers.filter((a) => a.status >= 400 && /^POST \/(api|v1|ingest)\//.test(a.what)).length;
    const ingestCount = (text: string) => sum(text, 'vigil_ingest_requests_total', (l) => /code="4\d\d"/.test(l));
    expect(ingestCount(after) - ingestCount(before)).toBe(ingestRefused);
  });
});
