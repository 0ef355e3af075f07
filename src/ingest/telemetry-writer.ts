import type { Bus, Headers, OutRecord } from '../platform/bus/types.js';
import { context, trace as otel } from '@opentelemetry/api';
import { extractContext, injectContext } from '../platform/tracing/propagator.js';
import { endWith, sendSpan } from '../platform/tracing/send-span.js';
import { metricBatches } from '../platform/series/metric-batches.js';
import { IngestError, type LogEntry, type MetricSample } from './types.js';

/**
 * Appends normalised records keyed by entity — a log record each, or one entity's samples of the
 * request each — with its id in the `vigil-id` header, and
 * resolves only when the broker acknowledged every one. If that takes longer than the timeout
 * (the broker is down or unreachable), the caller gets a 503 and the client retries: records of
 * the abandoned send that still arrive later carry the same ids as the retry's, so consumers
 * drop them.
 */
export class TelemetryWriter {
  constructor(
    private readonly bus: Bus,
    private readonly timeoutMs: number,
  ) {}

  /** Log records, one Kafka record each. */
  async write(topic: string, records: LogEntry[], incoming: Headers = {}): Promise<void> {
    await this.append(topic, records.map((r) => ({ key: r.entity, id: r.id, value: JSON.stringify(r) })), records.length, incoming);
  }

  /** Metric samples, one Kafka record per (tenant, entity) holding its samples (see metricBatches). */
  async writeMetrics(topic: string, samples: MetricSample[], incoming: Headers = {}): Promise<void> {
    await this.append(topic, metricBatches(samples).map((b) => ({ key: b.entity, id: b.id, value: b.json })), samples.length, incoming);
  }

  private async append(topic: string, records: Array<{ key: string; id: string; value: string }>, samples: number, incoming: Headers): Promise<void> {
    if (records.length === 0) return;
    const trace: Headers = {};
    // A client that sent a W3C traceparent finds its trace continue through the pipeline, with
    // a producer span for this append (untraced requests add no spans: every record would
    // otherwise start a sampled trace of its own downstream). Its parent is the request's
    // SERVER span when one is active (the ingest controller's), else the client's span.
    const active = context.active();
    const parent = otel.getSpan(active) ? active : incoming.traceparent ? extractContext(incoming) : undefined;
    const span = parent ? sendSpan(topic, records.length, parent) : undefined;
    if (span) injectContext(otel.setSpan(parent!, span), trace);
    const out: OutRecord[] = records.map((r) => ({
      topic,
      key: r.key,
      value: r.value,
      headers: { ...trace, 'vigil-id': r.id, 'content-type': 'application/json' },
    }));
    const sending = span ? endWith(span, this.bus.send(out)) : this.bus.send(out);
    // The request may be answered (503) before this settles; its late outcome is not an error here.
    sending.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no acknowledgement from Kafka within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([sending, timeout]);
    } catch (err) {
      throw new IngestError(503, 'unavailable', `Kafka did not acknowledge the records: ${(err as Error).message}; nothing was accepted, retry`, samples, {
        'retry-after': '5',
      });
    } finally {
      clearTimeout(timer);
    }
  }
}
