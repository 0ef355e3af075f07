import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { messageId } from '../platform/bus/message-id.js';
import type { Bus } from '../platform/bus/types.js';
import { BUS } from '../platform/app/tokens.js';
import { platformMetrics } from '../platform/metrics/registry.js';
import { SerialQueue } from '../platform/serial-queue.js';
import { metricBatches } from '../platform/series/metric-batches.js';
import { demoStep, faultyHost } from './demo.service.js';
import { DEFAULT_DEMO } from './options.js';
import type { DemoSample } from './types.js';

const TOPIC = 'telemetry.metrics';

/** Feeds the demo stream into telemetry.metrics, one step a second, as a real producer would. */
@Injectable()
export class DemoProducer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Demo');
  private timer: NodeJS.Timeout | undefined;
  private step = 0;
  /** The backfill, then one step a second, never two sends at once. */
  private readonly sends = new SerialQueue();

  constructor(@Inject(BUS) private readonly bus: Bus) {}

  onApplicationBootstrap(): void {
    const o = DEFAULT_DEMO;
    const firstFaultIn = o.firstFault - o.backfillSteps;
    this.logger.log(
      `demo stream: ${o.hosts} hosts x 8 metrics into ${TOPIC}: ${o.backfillSteps} s of history now, then one step a second; ` +
        `a host goes wrong in ${firstFaultIn} s and every ${o.faultEvery} s after`,
    );
    const start = Date.now();
    void this.sends.run(() => this.backfill(start).catch((err: Error) => this.logger.warn(`demo backfill failed: ${err.message}`)));
    this.timer = setInterval(() => {
      void this.sends.run(() => this.tick(Date.now()).catch((err: Error) => this.logger.warn(`demo send failed: ${err.message}`)));
    }, 1000);
  }

  /** The history, back-dated so its last step is one second before `now`, sent a minute at a time. */
  private async backfill(now: number): Promise<void> {
    const n = DEFAULT_DEMO.backfillSteps;
    for (let from = 0; from < n; from += 60) {
      const steps = Array.from({ length: Math.min(60, n - from) }, (_, i) => from + i);
      await this.send(steps.flatMap((step) => demoStep(step, now - (n - step) * 1000)));
    }
    this.step = n;
  }

  private async tick(now: number): Promise<void> {
    const step = this.step++;
    const faulty = faultyHost(step, DEFAULT_DEMO);
    if (faulty !== undefined && faultyHost(step - 1, DEFAULT_DEMO) === undefined) {
      this.logger.warn(`demo: injecting a fault on demo-host-${String(faulty).padStart(2, '0')} (latency, errors up; throughput down)`);
    }
    await this.send(demoStep(step, now));
  }

  /** One record per host and send, holding its samples (the batched form, as ingest writes). */
  private async send(samples: DemoSample[]): Promise<void> {
    const batches = metricBatches(samples.map((s) => ({ id: messageId('demo', s.entity, s.metric, s.timestamp), ...s })));
    await this.bus.send(batches.map((b) => ({ topic: TOPIC, key: b.entity, value: b.json, headers: { 'vigil-id': b.id } })));
    platformMetrics.produced.labels('demo', TOPIC).inc(batches.length);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sends.idle();
  }
}
