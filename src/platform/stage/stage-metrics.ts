import { platformMetrics as m } from '../metrics/registry.js';
import type { DeadLetterReason } from './types.js';

type CounterChild = ReturnType<typeof m.consumed.labels>;
type HistogramChild = ReturnType<typeof m.batchSize.labels>;
type LagChild = ReturnType<typeof m.lag.labels>;
type ServiceGauge = ReturnType<typeof m.inFlight.labels>;

/** One topic's metric children for one stage, looked up once (a `labels()` call hashes its labels). */
export interface TopicChildren {
  consumed: CounterChild;
  processed: CounterChild;
  deadLettered: Map<DeadLetterReason, CounterChild>;
  batchDuration: HistogramChild;
  batchSize: HistogramChild;
  lag: Map<number, LagChild>;
}

export class StageMetrics {
  private readonly topics = new Map<string, TopicChildren>();
  readonly inFlight: ServiceGauge;
  readonly paused: ServiceGauge;

  constructor(
    private readonly service: string,
    private readonly group: string,
  ) {
    this.inFlight = m.inFlight.labels(service);
    this.paused = m.paused.labels(service);
  }

  topic(topic: string): TopicChildren {
    let t = this.topics.get(topic);
    if (!t) {
      const s = this.service;
      t = {
        consumed: m.consumed.labels(s, topic),
        processed: m.processed.labels(s, topic),
        deadLettered: new Map(),
        batchDuration: m.batchDuration.labels(s, topic),
        batchSize: m.batchSize.labels(s, topic),
        lag: new Map(),
      };
      this.topics.set(topic, t);
    }
    return t;
  }

  deadLettered(topic: string, reason: DeadLetterReason, n = 1): void {
    const t = this.topic(topic);
    let c = t.deadLettered.get(reason);
    if (!c) t.deadLettered.set(reason, (c = m.deadLettered.labels(this.service, topic, reason)));
    c.inc(n);
  }

  lag(topic: string, partition: number): LagChild {
    const t = this.topic(topic);
    let g = t.lag.get(partition);
    if (!g) t.lag.set(partition, (g = m.lag.labels(this.group, topic, String(partition))));
    return g;
  }
}
