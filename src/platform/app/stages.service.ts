import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Bus } from '../bus/types.js';
import type { VigilConfig } from '../config/options.js';
import { StageRunner } from '../stage/stage-runner.js';
import type { StageOptions } from '../stage/types.js';
import type { Catalogue } from '../streams/catalogue.js';
import type { SchemaRegistry } from '../streams/validator.js';
import { BUS, CATALOGUE, SCHEMAS, VIGIL_CONFIG } from './tokens.js';

/**
 * Where services get their consumers: builds StageRunners with the process's bus and limits,
 * starts them, and on shutdown stops them all first (each finishes and commits its batch)
 * before the bus disconnects.
 */
@Injectable()
export class StagesService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Stages');
  private readonly runners: Array<{ name: string; runner: StageRunner<unknown> }> = [];

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CATALOGUE) private readonly catalogue: Catalogue,
    @Inject(SCHEMAS) private readonly schemas: SchemaRegistry,
    @Inject(VIGIL_CONFIG) private readonly config: VigilConfig,
  ) {}

  async start<T>(options: StageOptions<T>): Promise<StageRunner<T>> {
    const runner = new StageRunner<T>(this.bus, this.catalogue, this.schemas, {
      groupId: `${this.config.groupPrefix}-${options.service}`,
      maxInFlight: this.config.maxInFlight,
      maxRecordBytes: this.config.maxRecordBytes,
      maxAttempts: this.config.maxAttempts,
      ...options,
    });
    await runner.start();
    this.runners.push({ name: options.service, runner: runner as StageRunner<unknown> });
    this.logger.log(`${options.service} consuming ${options.topics.join(', ')} on the ${this.bus.kind} bus`);
    return runner;
  }

  /** Not ready while any consumer is stopped on an error (until it runs again). */
  problems(): string[] {
    return this.runners.filter((r) => r.runner.crashed).map((r) => `${r.name}: ${r.runner.crashed!.message}`);
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.log(`stopping ${this.runners.length} consumers${signal ? ` on ${signal}` : ''}: finishing and committing batches in hand`);
    const pending = new Set(this.runners.map((r) => r.name));
    // Name what a slow stop is waiting for, so an operator (or a supervisor's log) can tell. A
    // notice, not a warning: on Kafka, leaving the groups and the last commits take seconds.
    const started = Date.now();
    const report = setInterval(() => this.logger.log(`still stopping after ${Math.round((Date.now() - started) / 1000)} s: ${[...pending].join(', ')}`), 5000);
    try {
      await Promise.all(
        this.runners.map(async (r) => {
          await r.runner.stop();
          pending.delete(r.name);
        }),
      );
    } finally {
      clearInterval(report);
    }
  }
}
