import { Module } from '@nestjs/common';
import { BUS, SCHEMAS, VIGIL_CONFIG } from '../platform/app/tokens.js';
import type { Bus } from '../platform/bus/types.js';
import type { VigilConfig } from '../platform/config/options.js';
import { Databases } from '../platform/db/databases.js';
import { API_TOKENS, BearerGuard } from '../platform/http/bearer.guard.js';
import type { SchemaRegistry } from '../platform/streams/validator.js';
import { RemediationConsumer } from './remediation.consumer.js';
import { RemediationController } from './remediation.controller.js';
import { createRemediationRuntime, REMEDIATION_RUNTIME, type RemediationRuntime } from './remediation.runtime.js';

/** Remediation: incidents → guarded, signed, audited webhook actions; the actions API. */
@Module({
  controllers: [RemediationController],
  providers: [
    {
      provide: REMEDIATION_RUNTIME,
      inject: [BUS, SCHEMAS, Databases, VIGIL_CONFIG],
      useFactory: (bus: Bus, schemas: SchemaRegistry, databases: Databases, config: VigilConfig) => createRemediationRuntime({ bus, schemas, databases, httpPort: config.httpPort }),
    },
    { provide: API_TOKENS, inject: [REMEDIATION_RUNTIME], useFactory: (rt: RemediationRuntime) => rt.options.apiTokens },
    BearerGuard,
    RemediationConsumer,
  ],
})
export class RemediationModule {}
