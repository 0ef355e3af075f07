import { Transform, type Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { errorReply, unsupportedMediaType, type Endpoint } from './gateway.js';
import { ingestMetrics as m } from './ingest.metrics.js';
import { IngestError, type Source } from './types.js';

/** The ingest routes: what the body limit, byte counting and decompression below apply to. */
export const INGEST_ROUTES = {
  remoteWrite: '/api/v1/write',
  otlpMetrics: '/v1/metrics',
  otlpLogs: '/v1/logs',
  jsonMetrics: '/ingest/v1/metrics',
  jsonLogs: '/ingest/v1/logs',
} as const;

const SOURCES: Record<string, Source> = {
  [INGEST_ROUTES.remoteWrite]: 'remote_write',
  [INGEST_ROUTES.otlpMetrics]: 'otlp',
  [INGEST_ROUTES.otlpLogs]: 'otlp',
  [INGEST_ROUTES.jsonMetrics]: 'json',
  [INGEST_ROUTES.jsonLogs]: 'json',
};
const ENDPOINTS: Record<string, Endpoint> = {
  [INGEST_ROUTES.remoteWrite]: 'remote_write',
  [INGEST_ROUTES.otlpMetrics]: 'otlp_metrics',
  [INGEST_ROUTES.otlpLogs]: 'otlp_logs',
  [INGEST_ROUTES.jsonMetrics]: 'json_metrics',
  [INGEST_ROUTES.jsonLogs]: 'json_logs',
};
/** What Fastify's refusals (before the gateway runs) count as in vigil_ingest_samples_rejected_total's reasons. */
const REASONS: Record<number, string> = { 400: 'invalid', 413: 'too_large', 415: 'unsupported_media_type' };
const RECEIVED = Symbol('ingestReceivedBytes');
const COUNTED = Symbol('ingestCounted');

/** The gateway counted this request itself (so the onResponse hook below does not count it twice). */
export function markCounted(req: FastifyRequest): void {
  (req as unknown as Record<symbol, boolean>)[COUNTED] = true;
}

/** Body bytes as they came off the wire (before gzip), counted while Fastify reads them. */
export function receivedBytes(req: FastifyRequest): number {
  return (req as unknown as Record<symbol, number>)[RECEIVED] ?? 0;
}

/**
 * Fastify settings for the ingest routes, applied when Nest registers them (so this runs at
 * provider construction, before the router): their own body limit (413 above it, measured on
 * the decompressed stream), gzip/deflate Content-Encoding as the Collector's otlphttp exporter
 * sends by default, and protobuf and NDJSON bodies handed over as bytes and text.
 */
export function configureIngestHttp(fastify: FastifyInstance, maxBodyBytes: number): void {
  fastify.addContentTypeParser(['application/x-protobuf', 'application/protobuf', 'application/octet-stream'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  fastify.addContentTypeParser(['application/x-ndjson', 'application/ndjson', 'application/jsonl'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const source = SOURCES[route.url];
    if (!source) return;
    route.bodyLimit = maxBodyBytes;
    // Fastify's own refusals (unreadable JSON, a body that is not what its Content-Encoding says,
    // an unknown content type, too large) in the shapes the gateway answers with.
    route.errorHandler = (err: Error & { statusCode?: number; getStatus?: () => number }, req: FastifyRequest, reply: FastifyReply) => {
      const status = err.statusCode ?? err.getStatus?.() ?? 500;
      const endpoint = ENDPOINTS[route.url]!;
      const contentType = String(req.headers['content-type'] ?? '');
      const e =
        status === 415 ? unsupportedMediaType(endpoint, contentType) : new IngestError(status, REASONS[status] ?? 'internal', status >= 500 ? 'internal error' : err.message);
      const answer = errorReply(endpoint, contentType, e);
      void reply.code(answer.status).headers(answer.headers).send(answer.body);
    };
    const existing = route.preParsing === undefined ? [] : Array.isArray(route.preParsing) ? route.preParsing : [route.preParsing];
    route.preParsing = [...existing, countAndInflate];
    // Fastify answers some requests before the controller runs (413 too large, 415, unparsable
    // JSON): they are counted here, with their duration.
    const onResponse = route.onResponse === undefined ? [] : Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse];
    route.onResponse = [
      ...onResponse,
      async (req: FastifyRequest, reply: FastifyReply) => {
        if ((req as unknown as Record<symbol, boolean>)[COUNTED]) return;
        const code = String(reply.statusCode);
        m.requests.labels(source, code).inc();
        m.duration.labels(source, code).observe(reply.elapsedTime / 1000);
        m.bytes.labels(source).inc(receivedBytes(req));
      },
    ];
  });
}

async function countAndInflate(req: FastifyRequest, _reply: unknown, payload: Readable): Promise<Readable> {
  const bag = req as unknown as Record<symbol, number>;
  bag[RECEIVED] = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bag[RECEIVED]! += chunk.length;
      // Fastify compares this to Content-Length: the encoded size, not what inflating makes of it.
      (out as unknown as { receivedEncodedLength: number }).receivedEncodedLength = bag[RECEIVED]!;
      cb(null, chunk);
    },
  });
  const encoding = String(req.headers['content-encoding'] ?? '').toLowerCase();
  const inflate = encoding === 'gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : undefined;
  payload.on('error', (e) => counted.destroy(e));
  const piped = payload.pipe(counted);
  const out: Readable = inflate ? piped.pipe(inflate) : piped;
  if (inflate) {
    counted.on('error', (e) => inflate.destroy(e));
    // A body that is not what its Content-Encoding says is the client's error (400), and zlib
    // may report it again after Fastify has stopped listening: this listener keeps that from
    // being an uncaught 'error' event, which would take the whole process down.
    inflate.on('error', (e: Error & { statusCode?: number; status?: number; expose?: boolean }) => {
      // The shape of an http-errors error, which Nest answers with its status and message.
      e.statusCode = e.status = 400;
      e.expose = true;
      e.message = `the body is not valid ${encoding} (Content-Encoding: ${encoding}): ${e.message.replace(/^the body is not valid .*?: /, '')}`;
    });
  }
  return out;
}
