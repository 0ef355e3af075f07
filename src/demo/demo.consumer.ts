import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { StagesService } from '../platform/app/stages.service.js';

const WATCHED = ['telemetry.metrics', 'aiops.anomalies', 'aiops.predictions', 'aiops.incidents', 'aiops.remediations'];

/**
 * Shows the embedded default at work: a consumer on the pipeline's topics that logs, every ten
 * seconds, what flowed and from how many entities. It reads through the same platform consumer
 * as every service, so what it prints has passed schema validation.
 */
@Injectable()
export class DemoTap implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Flow');
  private readonly counts = new Map<string, { records: number; entities: Set<string> }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly stages: StagesService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.stages.start<{ entity?: string }>({
      service: 'demo-tap',
      topics: WATCHED,
      fromBeginning: false,
      handle: async (records) => {
        for (const r of records) {
          const c = this.counts.get(r.topic) ?? { records: 0, entities: new Set<string>() };
          c.records++;
          if (r.value.entity) c.entities.add(r.value.entity);
          this.counts.set(r.topic, c);
        }
        return [];
      },
    });
    this.timer = setInterval(() => this.report(), 10_000);
  }

  private report(): void {
    if (this.counts.size === 0) return;
    const parts = [...this.counts].map(([t, c]) => `${t} ${c.records} records from ${c.entities.size} entities`);
    this.logger.log(`last 10 s: ${parts.join('; ')}`);
    this.counts.clear();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
