import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { messageId } from '../platform/bus/message-id.js';
import type { Bus } from '../platform/bus/types.js';
import { BUS } from '../platform/app/tokens.js';
import { platformMetrics } from '../platform/metrics/registry.js';
import { DEFAULT_DEMO, demoStep, faultyHost } from './demo-stream.js';

const TOPIC = 'telemetry.metrics';

/** Feeds the demo stream into telemetry.metrics, one step a second, as a real producer would. */
@Injectable()
export class DemoProducer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Demo');
  private timer: NodeJS.Timeout | undefined;
  private step = 0;
  private sending: Promise<void> = Promise.resolve();

  constructor(@Inject(BUS) private readonly bus: Bus) {}

  onApplicationBootstrap(): void {
    const o = DEFAULT_DEMO;
    this.logger.log(`demo stream: ${o.hosts} hosts x 8 metrics every second into ${TOPIC}; a host goes wrong every ${o.faultEvery} s`);
    this.timer = setInterval(() => {
      this.sending = this.sending.then(() => this.tick()).catch((err: Error) => this.logger.warn(`demo send failed: ${err.message}`));
    }, 1000);
  }

  private async tick(): Promise<void> {
    const step = this.step++;
    const samples = demoStep(step, Date.now());
    const faulty = faultyHost(step, DEFAULT_DEMO);
    if (faulty !== undefined && faultyHost(step - 1, DEFAULT_DEMO) === undefined) {
      this.logger.warn(`demo: injecting a fault on demo-host-${String(faulty).padStart(2, '0')} (latency, errors up; throughput down)`);
    }
    await this.bus.send(
      samples.map((s) => {
        const id = messageId('demo', s.entity, s.metric, s.timestamp);
        return { topic: TOPIC, key: s.entity, value: JSON.stringify({ id, ...s }), headers: { 'vigil-id': id } };
      }),
    );
    platformMetrics.produced.labels('demo', TOPIC).inc(samples.length);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sending;
  }
}
