import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Bus } from '../bus/types.js';
import { loadConfig } from '../config/options.js';
import { Databases } from '../db/databases.js';
import { HealthController } from '../http/health.controller.js';
import { MetricsController } from '../http/metrics.controller.js';
import { loadCatalogue, type Catalogue } from '../streams/catalogue.js';
import { SchemaRegistry } from '../streams/validator.js';
import { busProvider } from './bus.provider.js';
import { ChangelogsService } from './changelogs.service.js';
import { StagesService } from './stages.service.js';
import { BUS, CATALOGUE, SCHEMAS, VIGIL_CONFIG } from './tokens.js';

/** What every service gets: config, catalogue, schemas, the bus, consumers, the databases, health and metrics. */
@Global()
@Module({
  controllers: [HealthController, MetricsController],
  providers: [
    { provide: VIGIL_CONFIG, useFactory: () => loadConfig() },
    { provide: CATALOGUE, useFactory: () => loadCatalogue() },
    { provide: SCHEMAS, inject: [CATALOGUE], useFactory: (c: Catalogue) => new SchemaRegistry(c) },
    busProvider,
    StagesService,
    ChangelogsService,
    Databases,
  ],
  exports: [VIGIL_CONFIG, CATALOGUE, SCHEMAS, BUS, StagesService, ChangelogsService, Databases],
})
export class PlatformModule implements OnApplicationShutdown {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  /** Runs after every service's beforeApplicationShutdown: consumers have committed by now. */
  async onApplicationShutdown(): Promise<void> {
    await this.bus.disconnect();
  }
}
