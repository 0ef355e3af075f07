import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { StagesService } from '../platform/app/stages.service.js';
import { PeriodicTask } from '../platform/periodic-task.js';
import { whileUnavailable } from '../platform/db/unavailable.js';
import { REMEDIATION_RUNTIME, type RemediationRuntime } from './remediation.runtime.js';
import type { IncidentEvent } from './types.js';

/**
 * Kafka in: `aiops.incidents` as the group `<prefix>-remediation` (actions planned before the
 * commit; their delivery runs on its own). A timer expires approvals, verifies delivered actions
 * and adopts the actions of processes that died.
 */
@Injectable()
export class RemediationConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Remediation');
  private readonly warn = (message: string) => this.logger.warn(message);
  /** Expires approvals, verifies, adopts; then appends what that wrote and whatever an earlier append failed to deliver. */
  private readonly sweep = new PeriodicTask(async () => {
    await this.rt.remediation.sweep();
    await this.rt.outbox.flush();
  }, this.warn);
  private readonly ping = () => this.rt.store.ping();

  constructor(
    @Inject(StagesService) private readonly stages: StagesService,
    @Inject(REMEDIATION_RUNTIME) private readonly rt: RemediationRuntime,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { options, remediation } = this.rt;
    const resumed = await remediation.resume();
    if (resumed > 0) this.logger.log(`resumed ${resumed} action(s) a previous run left unfinished`);
    await this.stages.start<IncidentEvent>({
      service: 'remediation',
      topics: [options.topics.incidents],
      handle: async (records, ctx) => {
        for (const r of records) {
          if (!(await whileUnavailable(() => remediation.onIncidentEvent(r.value, r.trace), ctx, this.warn, this.ping))) ctx.reject(r, `incident ${r.value.incident_id} is not in this service's store`);
        }
        return [];
      },
    });
    this.sweep.start(options.sweepMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.sweep.stop();
    await this.rt.remediation.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.rt.database.release();
  }
}
