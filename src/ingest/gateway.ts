import type { TenantAuth } from './auth.js';
import { ingestMetrics as m } from './ingest.metrics.js';
import { IngestService } from './ingest.service.js';
import { assertShallow } from './json-depth.js';
import { jsonItems } from './plain-json.js';
import { TYPES, decodeProto, encodeProto } from './proto-root.js';
import type { TenantRateLimiter } from './rate-limit.js';
import { decodeRemoteWrite } from './remote-write.js';
import { contentHash } from './sample-ids.js';
import type { TelemetryWriter } from './telemetry-writer.js';
import { IngestError, invalid, type LogEntry, type MetricSample, type Normalised, type Source } from './types.js';

export type Endpoint = 'remote_write' | 'otlp_metrics' | 'otlp_logs' | 'json_metrics' | 'json_logs';

export interface IngestRequest {
  /** Buffer (protobuf), string (NDJSON, text) or what Fastify parsed from JSON. */
  body: unknown;
  contentType: string;
  headers: Record<string, string | string[] | undefined>;
  /** Body bytes as received, before any decompression. */
  bytes: number;
}

export interface IngestReply {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | object;
}

const SOURCE: Record<Endpoint, Source> = {
  remote_write: 'remote_write',
  otlp_metrics: 'otlp',
  otlp_logs: 'otlp',
  json_metrics: 'json',
  json_logs: 'json',
};

/**
 * One ingest request from start to answer: who sends it (401/403), what it holds (400 naming
 * the field), whether the tenant may send that much now (429 with Retry-After), and the broker's
 * acknowledgement of every record before a 2xx (503 when it does not come).
 */
export class IngestGateway {
  constructor(
    private readonly service: IngestService,
    private readonly writer: TelemetryWriter,
    private readonly auth: TenantAuth,
    private readonly limiter: TenantRateLimiter,
  ) {}

  async handle(endpoint: Endpoint, req: IngestRequest): Promise<IngestReply> {
    const source = SOURCE[endpoint];
    const signal = endpoint.endsWith('logs') ? 'logs' : 'metrics';
    const started = process.hrtime.bigint();
    m.bytes.labels(source).inc(req.bytes);
    let reply: IngestReply;
    try {
      const tenant = this.auth.tenant(req.headers);
      const n = this.normalise(endpoint, req, tenant);
      const limit = this.limiter.take(tenant, n.records.length);
      if (!limit.ok) {
        throw new IngestError(429, 'rate_limited', `tenant ${tenant} is over its rate limit; retry after ${limit.retryAfterSeconds} s`, n.records.length, {
          'retry-after': String(limit.retryAfterSeconds),
        });
      }
      for (const [reason, count] of Object.entries(n.dropped)) m.rejected.labels(source, signal, reason).inc(count);
      const trace = traceHeaders(req.headers);
      if (signal === 'logs') await this.writer.write(this.service.options.topics.logs, n.records as LogEntry[], trace);
      else await this.writer.writeMetrics(this.service.options.topics.metrics, n.records as MetricSample[], trace);
      m.accepted.labels(source, signal).inc(n.records.length);
      reply = this.success(endpoint, req, n);
    } catch (err) {
      const e = err instanceof IngestError ? err : new IngestError(500, 'internal', `internal error: ${(err as Error).message}`);
      const samples = e.samples > 0 ? e.samples : e.status === 400 ? estimateSamples(endpoint, req) : 0;
      if (samples > 0) m.rejected.labels(source, signal, e.reason).inc(samples);
      reply = failure(endpoint, req, e);
    }
    const code = String(reply.status);
    m.requests.labels(source, code).inc();
    m.duration.labels(source, code).observe(Number(process.hrtime.bigint() - started) / 1e9);
    return reply;
  }

  private normalise(endpoint: Endpoint, req: IngestRequest, tenant: string): Normalised<MetricSample> | Normalised<LogEntry> {
    checkContentType(endpoint, req.contentType);
    const protobuf = req.contentType.includes('protobuf');
    if (req.body !== null && typeof req.body === 'object' && !Buffer.isBuffer(req.body)) assertShallow(req.body);
    switch (endpoint) {
      case 'remote_write':
        if (!Buffer.isBuffer(req.body)) throw new IngestError(415, 'unsupported_media_type', 'content-type: remote_write sends application/x-protobuf (snappy-compressed)');
        // Remote-Write 2.0 senders learn from a 415 that only 1.0 is spoken here.
        if (/proto=io\.prometheus\.write\.v2/.test(req.contentType)) {
          throw new IngestError(415, 'unsupported_media_type', 'content-type: Remote-Write 2.0 is not supported; send prometheus.WriteRequest (remote-write 1.0)');
        }
        return this.service.remoteWrite(decodeRemoteWrite(req.body, this.service.options.maxDecodedBytes), tenant);
      case 'otlp_metrics':
        return this.service.otlpMetrics(otlpBody(req, protobuf, TYPES.metricsRequest), tenant);
      case 'otlp_logs':
        return this.service.otlpLogs(otlpBody(req, protobuf, TYPES.logsRequest), tenant, hashOf(req.body));
      case 'json_metrics':
        return this.service.jsonMetrics(req.body, tenant, hashOf(req.body));
      case 'json_logs':
        return this.service.jsonLogs(req.body, tenant, hashOf(req.body));
    }
  }

  private success(endpoint: Endpoint, req: IngestRequest, n: Normalised<MetricSample | LogEntry>): IngestReply {
    const dropped = Object.values(n.dropped).reduce((a, b) => a + b, 0);
    if (endpoint === 'remote_write') return { status: 204, headers: {} };
    if (endpoint === 'json_metrics' || endpoint === 'json_logs') return { status: 200, headers: {}, body: { accepted: n.records.length, dropped: n.dropped } };
    // OTLP: an ExportServiceResponse in the request's encoding; partial success names what was left out.
    const partial = dropped === 0 ? {} : {
      partialSuccess: endpoint === 'otlp_metrics'
        ? { rejectedDataPoints: String(dropped), errorMessage: describeDropped(n.dropped) }
        : { rejectedLogRecords: String(dropped), errorMessage: describeDropped(n.dropped) },
    };
    if (!req.contentType.includes('protobuf')) return { status: 200, headers: { 'content-type': 'application/json' }, body: partial };
    const type = endpoint === 'otlp_metrics' ? TYPES.metricsResponse : TYPES.logsResponse;
    return { status: 200, headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(encodeProto(type, partial)) };
  }
}

/** gRPC codes for the OTLP error body (google.rpc.Status), by HTTP status. */
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 403: 7, 413: 3, 415: 3, 429: 8, 500: 13, 503: 14 };

/**
 * The content types each route reads (a body Fastify parsed from another type, such as the form
 * encoding `curl -d` sends by default, is not what its sender meant): anything else is a 415.
 */
const READS: Record<Endpoint, RegExp> = {
  remote_write: /^application\/(x-)?protobuf$/,
  otlp_metrics: /^application\/((x-)?protobuf|json)$/,
  otlp_logs: /^application\/((x-)?protobuf|json)$/,
  json_metrics: /^(application\/(json|x-ndjson|ndjson|jsonl)|text\/plain)$/,
  json_logs: /^(application\/(json|x-ndjson|ndjson|jsonl)|text\/plain)$/,
};

function checkContentType(endpoint: Endpoint, contentType: string): void {
  if (!READS[endpoint].test(mediaType(contentType))) throw unsupportedMediaType(endpoint, contentType);
}

function mediaType(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}

/** The 415 of a route for `contentType`, naming what it reads. */
export function unsupportedMediaType(endpoint: Endpoint, contentType: string): IngestError {
  const wanted = endpoint === 'remote_write' ? 'application/x-protobuf' : endpoint.startsWith('otlp') ? 'application/json or application/x-protobuf' : 'application/json or application/x-ndjson';
  return new IngestError(415, 'unsupported_media_type', `content-type: ${mediaType(contentType) || 'none'} is not read here; send ${wanted}`);
}

/**
 * The error answer: `{error, reason}` as JSON, except on the OTLP routes, which answer with a
 * google.rpc.Status in the request's encoding, as OTLP/HTTP clients expect. Also used for what
 * Fastify refuses before the gateway sees the request (see http-setup.ts).
 */
export function errorReply(endpoint: Endpoint, contentType: string, e: IngestError): IngestReply {
  return failure(endpoint, { contentType }, e);
}

function failure(endpoint: Endpoint, req: Pick<IngestRequest, 'contentType'>, e: IngestError): IngestReply {
  if (endpoint !== 'otlp_metrics' && endpoint !== 'otlp_logs') {
    return { status: e.status, headers: { ...e.headers, 'content-type': 'application/json' }, body: { error: e.message, reason: e.reason } };
  }
  const status = { code: GRPC_CODE[e.status] ?? 2, message: e.message };
  if (req.contentType.includes('protobuf')) {
    return { status: e.status, headers: { ...e.headers, 'content-type': 'application/x-protobuf' }, body: Buffer.from(encodeProto(TYPES.status, status)) };
  }
  return { status: e.status, headers: { ...e.headers, 'content-type': 'application/json' }, body: status };
}

function otlpBody(req: IngestRequest, protobuf: boolean, type: string): Record<string, unknown> {
  if (protobuf) {
    if (!Buffer.isBuffer(req.body)) throw invalid('body: expected protobuf bytes');
    try {
      return decodeProto(type, req.body);
    } catch (err) {
      throw invalid(`body: not a ${type.split('.').at(-1)}: ${(err as Error).message}`);
    }
  }
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body) || Buffer.isBuffer(req.body)) {
    throw invalid(`body: expected an OTLP/JSON ${type.split('.').at(-1)} object`);
  }
  return req.body as Record<string, unknown>;
}

/** What a refused request held, when it can still be read that far (0 when it cannot). */
function estimateSamples(endpoint: Endpoint, req: IngestRequest): number {
  try {
    if (endpoint === 'json_metrics' || endpoint === 'json_logs') return jsonItems(req.body).length;
    if (endpoint === 'remote_write') return 0;
    const type = endpoint === 'otlp_metrics' ? TYPES.metricsRequest : TYPES.logsRequest;
    const body = req.contentType.includes('protobuf') && Buffer.isBuffer(req.body) ? decodeProto(type, req.body) : req.body;
    return IngestService.count(endpoint, body);
  } catch {
    return 0;
  }
}

function hashOf(body: unknown): string {
  if (Buffer.isBuffer(body) || typeof body === 'string') return contentHash(body);
  return contentHash(JSON.stringify(body) ?? '');
}

function describeDropped(dropped: Record<string, number>): string {
  return Object.entries(dropped).map(([reason, n]) => `${n} ${reason}`).join(', ');
}

function traceHeaders(headers: IngestRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['traceparent', 'tracestate']) {
    const v = headers[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}
