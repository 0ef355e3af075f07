import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { StagesService } from '../platform/app/stages.service.js';
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
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private lastSweepError: string | undefined;
  private readonly warn = (message: string) => this.logger.warn(message);
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
    this.timer = setInterval(() => void this.sweep(), options.sweepMs);
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.rt.remediation.sweep();
      // Appends what these wrote, and whatever an earlier append failed to deliver.
      await this.rt.outbox.flush();
      this.lastSweepError = undefined;
    } catch (e) {
      // Once per distinct problem, not every tick of an outage.
      const msg = (e as Error).message;
      if (msg !== this.lastSweepError) this.logger.warn(`sweep failed (retried every tick): ${msg}`);
      this.lastSweepError = msg;
    } finally {
      this.sweeping = false;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.rt.remediation.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.rt.database.release();
  }
}
