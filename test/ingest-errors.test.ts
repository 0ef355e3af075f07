import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPES, decodeProto } from '../src/ingest/proto-root.js';
import { freePorts } from '../src/platform/kafka/local-broker.js';
import { VigilProcess } from './support/vigil-process.js';

const JSON_ROUTES = ['/ingest/v1/metrics', '/ingest/v1/logs'];
const OTLP_ROUTES = ['/v1/metrics', '/v1/logs'];

/**
 * The error bodies src/ingest/README.md promises, on every ingest route, including for what the
 * HTTP layer refuses before the gateway reads the body (unparsable JSON, a body that is not what
 * its Content-Encoding says, a content type the route does not read, a body over the limit):
 * `{"error", "reason"}` on the JSON routes and remote_write, a google.rpc.Status (`{"code",
 * "message"}`, in the request's encoding) on the OTLP routes. The gateway alone, on the
 * in-process bus: no broker is needed to refuse a request.
 */
describe('ingest error bodies', () => {
  let vigil: VigilProcess;
  let base: string;
  const post = async (path: string, body: string | Buffer, headers: Record<string, string>) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', body, headers });
    return { status: res.status, type: res.headers.get('content-type') ?? '', bytes: Buffer.from(await res.arrayBuffer()) };
  };

  beforeAll(async () => {
    const [port] = await freePorts(1);
    base = `http://127.0.0.1:${port}`;
    vigil = new VigilProcess(['start', 'ingest', '--port', String(port)], { KAFKA_BROKERS: '', INGEST_MAX_BODY_BYTES: '4096' });
    await vigil.serving(120_000);
  });
  afterAll(async () => {
    await vigil?.stop();
  });

  /** What a refusal on `path` must look like: the README's shape for that route, and nothing else. */
  const expectShape = (path: string, r: { status: number; type: string; bytes: Buffer }, status: number, reason: string, message: RegExp) => {
    const what = `${path} → ${r.status} ${r.bytes.toString('utf8').slice(0, 300)}`;
    expect(r.status, what).toBe(status);
    if (OTLP_ROUTES.includes(path)) {
      const grpc = { 400: 3, 413: 3, 415: 3 }[status];
      const body = r.type.includes('protobuf') ? decodeProto(TYPES.status, r.bytes) : JSON.parse(r.bytes.toString('utf8'));
      expect(Object.keys(body).sort(), what).toEqual(['code', 'message']);
      expect(body.code, what).toBe(grpc);
      expect(body.message, what).toMatch(message);
    } else {
      expect(r.type, what).toMatch(/^application\/json/);
      const body = JSON.parse(r.bytes.toString('utf8'));
      expect(Object.keys(body).sort(), what).toEqual(['error', 'reason']);
      expect(body.reason, what).toBe(reason);
      expect(body.error, what).toMatch(message);
    }
  };

  it('unparsable JSON: 400 in the route\'s shape', async () => {
    for (const path of [...JSON_ROUTES, ...OTLP_ROUTES]) {
      expectShape(path, await post(path, '{"metric": ', { 'content-type': 'application/json' }), 400, 'invalid', /JSON|Unexpected/i);
    }
  });

  it('a body that is not gzip though it says so: 400 in the route\'s shape (JSON and protobuf alike)', async () => {
    for (const path of [...JSON_ROUTES, ...OTLP_ROUTES]) {
      expectShape(path, await post(path, 'not gzip at all', { 'content-type': 'application/json', 'content-encoding': 'gzip' }), 400, 'invalid', /not valid gzip/);
    }
    for (const path of OTLP_ROUTES) {
      const r = await post(path, 'not gzip at all', { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
      expect(r.type).toBe('application/x-protobuf');
      expectShape(path, r, 400, 'invalid', /not valid gzip/);
    }
  });

  it('a content type the route does not read, and `curl -d` (form-encoded): 415 in the route\'s shape', async () => {
    for (const path of [...JSON_ROUTES, ...OTLP_ROUTES, '/api/v1/write']) {
      expectShape(path, await post(path, '<samples/>', { 'content-type': 'application/xml' }), 415, 'unsupported_media_type', /application\/xml/);
      // What `curl -d '{"metric":...}' URL` sends: the JSON text as a form field.
      const curl = await post(path, JSON.stringify({ entity: 'e', metric: 'm', value: 1 }), { 'content-type': 'application/x-www-form-urlencoded' });
      expectShape(path, curl, 415, 'unsupported_media_type', /x-www-form-urlencoded is not read here/);
    }
  });

  it('a body over INGEST_MAX_BODY_BYTES, gzipped or not: 413 in the route\'s shape', async () => {
    const big = JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ entity: 'e', metric: 'm', value: i })));
    for (const path of [...JSON_ROUTES, ...OTLP_ROUTES]) {
      expectShape(path, await post(path, big, { 'content-type': 'application/json' }), 413, 'too_large', /too large/i);
      expectShape(path, await post(path, gzipSync(big), { 'content-type': 'application/json', 'content-encoding': 'gzip' }), 413, 'too_large', /too large/i);
    }
  });

  it('the gateway\'s own refusals keep their shapes (a field named, a JSON content type on remote_write)', async () => {
    expectShape('/ingest/v1/metrics', await post('/ingest/v1/metrics', JSON.stringify({ metric: 'm', value: 'x', entity: 'e' }), { 'content-type': 'application/json' }), 400, 'invalid', /value/);
    expectShape('/api/v1/write', await post('/api/v1/write', '{}', { 'content-type': 'application/json' }), 415, 'unsupported_media_type', /application\/json/);
  });
});
