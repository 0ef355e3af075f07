import { Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { BUS, SCHEMAS } from '../platform/app/tokens.js';
import type { Bus } from '../platform/bus/types.js';
import type { SchemaRegistry } from '../platform/streams/validator.js';
import { TenantAuth } from './auth.js';
import { IngestGateway } from './gateway.js';
import { configureIngestHttp } from './http-setup.js';
import { IngestConsumer } from './ingest.consumer.js';
import { IngestController } from './ingest.controller.js';
import { IngestService } from './ingest.service.js';
import { loadIngestOptions, type IngestOptions } from './options.js';
import { TenantRateLimiter } from './rate-limit.js';
import { TelemetryWriter } from './telemetry-writer.js';
import { INGEST_OPTIONS } from './tokens.js';

/** Fastify settings for the ingest routes; must exist before Nest registers the routes. */
const HTTP_SETUP = Symbol('INGEST_HTTP_SETUP');

/**
 * The ingest gateway: remote_write, OTLP/HTTP and plain JSON over HTTP, and the Collector's
 * kafka exporter topics over Kafka, all normalised onto telemetry.metrics and telemetry.logs.
 */
@Module({
  controllers: [IngestController],
  providers: [
    { provide: INGEST_OPTIONS, useFactory: () => loadIngestOptions() },
    {
      provide: HTTP_SETUP,
      inject: [HttpAdapterHost, INGEST_OPTIONS],
      useFactory: (host: HttpAdapterHost, options: IngestOptions) => {
        const fastify = host.httpAdapter?.getInstance<FastifyInstance>();
        if (fastify) configureIngestHttp(fastify, options.maxBodyBytes);
        return true;
      },
    },
    { provide: IngestService, inject: [INGEST_OPTIONS, SCHEMAS], useFactory: (o: IngestOptions, s: SchemaRegistry) => new IngestService(o, s) },
    {
      provide: IngestGateway,
      inject: [IngestService, BUS, INGEST_OPTIONS, HTTP_SETUP],
      useFactory: (service: IngestService, bus: Bus, o: IngestOptions) =>
        new IngestGateway(service, new TelemetryWriter(bus, o.sendTimeoutMs), new TenantAuth(o.tokens), new TenantRateLimiter(o.rateLimit, o.rateBurst)),
    },
    IngestConsumer,
  ],
})
export class IngestModule {}
