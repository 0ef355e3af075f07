import { Logger } from '@nestjs/common';
import { platformMetrics } from '../metrics/registry.js';

export interface ConsumedCount {
  service: string;
  topic: string;
  value: number;
}

/**
 * What flowed, every ten seconds, for a process that runs several services without the demo (the
 * demo's own flow log says more: entities too): the records each topic gave its consumers since
 * the last line, from `vigil_records_consumed_total` (the most any one service read, as every
 * consumer of a topic reads all of it). Quiet while nothing flows, like the demo's.
 */
export class FlowLog {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly print: (line: string) => void,
    private readonly read: () => Promise<ConsumedCount[]>,
  ) {}

  async tick(): Promise<void> {
    const perTopic = new Map<string, number>();
    for (const { service, topic, value } of await this.read()) {
      const key = `${service}\u0000${topic}`;
      const delta = value - (this.last.get(key) ?? 0);
      this.last.set(key, value);
      if (delta > 0) perTopic.set(topic, Math.max(perTopic.get(topic) ?? 0, delta));
    }
    if (perTopic.size === 0) return;
    this.print(`last 10 s: ${[...perTopic].map(([topic, n]) => `${topic} ${n} records`).join('; ')}`);
  }
}

/** Starts the flow log of this process: a line every `everyMs` (default 10 s) while records flow. */
export function startFlowLog(everyMs = 10_000): NodeJS.Timeout {
  const logger = new Logger('Flow');
  const log = new FlowLog(
    (line) => logger.log(line),
    async () => (await platformMetrics.consumed.get()).values.map((v) => ({ service: String(v.labels.service), topic: String(v.labels.topic), value: v.value })),
  );
  const timer = setInterval(() => void log.tick().catch(() => {}), everyMs);
  timer.unref();
  return timer;
}
