import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
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
    return this.serve('remote_write', req, reply);
  }

  @Post(INGEST_ROUTES.otlpMetrics)
  otlpMetrics(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve('otlp_metrics', req, reply);
  }

  @Post(INGEST_ROUTES.otlpLogs)
  otlpLogs(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve('otlp_logs', req, reply);
  }

  @Post(INGEST_ROUTES.jsonMetrics)
  jsonMetrics(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve('json_metrics', req, reply);
  }

  @Post(INGEST_ROUTES.jsonLogs)
  jsonLogs(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve('json_logs', req, reply);
  }

  private async serve(endpoint: Endpoint, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    markCounted(req);
    const answer = await this.gateway.handle(endpoint, {
      body: req.body,
      contentType: String(req.headers['content-type'] ?? ''),
      headers: req.headers,
      bytes: receivedBytes(req),
    });
    reply.code(answer.status).headers(answer.headers);
    await reply.send(answer.body);
  }
}
