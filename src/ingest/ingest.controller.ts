import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH, ATTR_URL_SCHEME } from '@opentelemetry/semantic-conventions';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { extractContext } from '../platform/tracing/propagator.js';
import { tracer } from '../platform/tracing/tracing.js';
import { IngestGateway, type Endpoint } from './gateway.js';
import { INGEST_ROUTES, markCounted, receivedBytes } from './http-setup.js';

/**
 * HTTP in: Prometheus remote_write, OTLP/HTTP (JSON and protobuf) and plain JSON / NDJSON.
 * Thin: every request goes to the gateway, whose answer is sent as it is.
 */
@Controller()
export class IngestController {
  constructor(@Inject(IngestGateway) private readonly gateway: IngestGateway) {}

  @Post(INGEST_ROUTES.remoteWrite)
  remoteWrite(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve('remote_write', INGEST_ROUTES.remoteWrite, req, reply);
  }

  @Post(INGEST_ROUTES.otlpMetrics)
  otlpMetrics(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve('otlp_metrics', INGEST_ROUTES.otlpMetrics, req, reply);
  }

  @Post(INGEST_ROUTES.otlpLogs)
  otlpLogs(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve('otlp_logs', INGEST_ROUTES.otlpLogs, req, reply);
  }

  @Post(INGEST_ROUTES.jsonMetrics)
  jsonMetrics(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve('json_metrics', INGEST_ROUTES.jsonMetrics, req, reply);
  }

  @Post(INGEST_ROUTES.jsonLogs)
  jsonLogs(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve('json_logs', INGEST_ROUTES.jsonLogs, req, reply);
  }

  private async serve(endpoint: Endpoint, route: string, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    markCounted(req);
    // A request that carries a W3C traceparent gets a SERVER span continuing the client's trace;
    // the append to Kafka is its child, and the pipeline's spans follow from there. Untraced
    // requests add no span: each would otherwise start a sampled trace through every service.
    const span = typeof req.headers.traceparent === 'string' ? serverSpan(req, route) : undefined;
    const handle = () =>
      this.gateway.handle(endpoint, {
        body: req.body,
        contentType: String(req.headers['content-type'] ?? ''),
        headers: req.headers,
        bytes: receivedBytes(req),
      });
    try {
      const answer = span ? await context.with(trace.setSpan(context.active(), span), handle) : await handle();
      span?.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, answer.status);
      // As the HTTP conventions have it for a server: only 5xx is an error of this span.
      if (answer.status >= 500) span?.setAttributes({ [ATTR_ERROR_TYPE]: String(answer.status) }).setStatus({ code: SpanStatusCode.ERROR });
      reply.code(answer.status).headers(answer.headers);
      await reply.send(answer.body);
    } catch (err) {
      span?.setAttributes({ [ATTR_ERROR_TYPE]: (err as Error).name || 'Error' }).setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span?.end();
    }
  }
}

/** `POST <route>`, the SERVER span of an ingest request, child of the client's traceparent. */
function serverSpan(req: FastifyRequest, route: string): Span {
  const headers: Record<string, string> = {};
  for (const k of ['traceparent', 'tracestate']) {
    const v = req.headers[k];
    if (typeof v === 'string') headers[k] = v;
  }
  return tracer().startSpan(
    `${req.method} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: req.method,
        [ATTR_HTTP_ROUTE]: route,
        [ATTR_URL_PATH]: req.url.split('?')[0]!,
        [ATTR_URL_SCHEME]: req.protocol,
      },
    },
    extractContext(headers),
  );
}
