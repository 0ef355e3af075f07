import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { StagesService } from '../platform/app/stages.service.js';
import { PeriodicTask } from '../platform/periodic-task.js';
import { whileUnavailable } from '../platform/db/unavailable.js';
import type { Emit } from '../platform/stage/types.js';
import { toFinding } from './findings.js';
import { INCIDENTS_RUNTIME, type IncidentsRuntime } from './incidents.runtime.js';
import { SuppressedLog } from './suppressed-log.js';
import type { Finding, IncidentEvent } from './types.js';

/**
 * Kafka in: `aiops.anomalies` + `aiops.predictions` as the group `<prefix>-incidents` (lifecycle
 * events to `aiops.incidents`, appended before the commit). A timer resolves quiet incidents.
 */
@Injectable()
export class IncidentsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Incidents');
  private readonly warn = (message: string) => this.logger.warn(message);
  /** Resolves quiet incidents, then appends what that wrote and whatever an earlier append failed to deliver. */
  private readonly sweep = new PeriodicTask(async () => {
    for (const ev of await this.rt.incidents.sweep()) this.describe(ev);
    await this.rt.outbox.flush();
  }, this.warn);
  private readonly ping = () => this.rt.store.ping();
  private readonly suppressedLog = new SuppressedLog((line) => this.logger.log(line));

  constructor(
    @Inject(StagesService) private readonly stages: StagesService,
    @Inject(INCIDENTS_RUNTIME) private readonly rt: IncidentsRuntime,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { options, incidents } = this.rt;
    incidents.onSuppressed = (f, by) => this.suppressedLog.note(f, by);
    this.logger.log(
      `grouping by ${options.groupBy.join('+')} within ${options.groupWindowMs} ms; opens after ${options.minOccurrences} finding(s); auto-resolves after ${options.quietMs} ms quiet`,
    );
    await this.stages.start<unknown>({
      service: 'incidents',
      topics: [options.topics.anomalies, options.topics.predictions],
      handle: async (records, ctx) => {
        const emits: Emit[] = [];
        for (const r of records) {
          const f = toFinding(r.topic, r.value);
          if (!f) continue;
          for (const ev of await whileUnavailable(() => incidents.onFindings([f]), ctx, this.warn, this.ping)) {
            this.describe(ev, f);
            emits.push({ topic: options.topics.incidents, key: ev.incident_id, value: ev, id: ev.id, source: r });
          }
        }
        return emits;
      },
    });
    this.sweep.start(options.sweepMs);
  }

  private describe(ev: IncidentEvent, f?: Finding): void {
    // An update says what changed (severity rose, a kind joined): two updates of one incident read differently.
    const what =
      ev.event === 'opened'
        ? `${ev.severity} "${ev.title}"${f ? ` (finding ${f.id})` : ''}`
        : ev.event === 'updated'
          ? `${ev.severity}, kinds ${(ev.kinds ?? []).join(', ')}, ${ev.occurrences ?? '?'} finding(s)${f ? ` (finding ${f.id}: ${f.kind})` : ''}`
          : `status ${ev.status}`;
    this.logger.log(`incident ${ev.incident_id} on ${ev.entity} ${ev.event}: ${what}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.sweep.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.rt.database.release();
  }
}
