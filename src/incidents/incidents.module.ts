import { Module } from '@nestjs/common';
import { BUS, SCHEMAS } from '../platform/app/tokens.js';
import type { Bus } from '../platform/bus/types.js';
import { Databases } from '../platform/db/databases.js';
import { API_TOKENS, BearerGuard } from '../platform/http/bearer.guard.js';
import type { SchemaRegistry } from '../platform/streams/validator.js';
import { IncidentsController } from './http/incidents.controller.js';
import { IncidentsConsumer } from './incidents.consumer.js';
import { createIncidentsRuntime, INCIDENTS_RUNTIME, type IncidentsRuntime } from './incidents.runtime.js';

/** Incidents: findings → incidents (dedup, grouping, silences, inhibition) → aiops.incidents; the incidents API. */
@Module({
  controllers: [IncidentsController],
  providers: [
    {
      provide: INCIDENTS_RUNTIME,
      inject: [BUS, SCHEMAS, Databases],
      useFactory: (bus: Bus, schemas: SchemaRegistry, databases: Databases) => createIncidentsRuntime({ bus, schemas, databases }),
    },
    { provide: API_TOKENS, inject: [INCIDENTS_RUNTIME], useFactory: (rt: IncidentsRuntime) => rt.options.apiTokens },
    BearerGuard,
    IncidentsConsumer,
  ],
})
export class IncidentsModule {}
