import { Module } from '@nestjs/common';
import type { Bus } from '../platform/bus/types.js';
import type { VigilConfig } from '../platform/config/options.js';
import { BUS, SCHEMAS, VIGIL_CONFIG } from '../platform/app/tokens.js';
import type { SchemaRegistry } from '../platform/streams/validator.js';
import { BearerGuard } from './http/bearer.guard.js';
import { IncidentsController } from './http/incidents.controller.js';
import { IncidentsConsumer } from './incidents.consumer.js';
import { createIncidentsRuntime, INCIDENTS_RUNTIME } from './incidents.runtime.js';

/** Incidents and remediation: findings → incidents → guarded, signed, audited webhook actions; HTTP API. */
@Module({
  controllers: [IncidentsController],
  providers: [
    {
      provide: INCIDENTS_RUNTIME,
      inject: [BUS, SCHEMAS, VIGIL_CONFIG],
      useFactory: (bus: Bus, schemas: SchemaRegistry, config: VigilConfig) => createIncidentsRuntime(bus, schemas, config.httpPort),
    },
    BearerGuard,
    IncidentsConsumer,
  ],
})
export class IncidentsModule {}
