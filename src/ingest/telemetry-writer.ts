import type { Bus, Headers, OutRecord } from '../platform/bus/types.js';
import { context, SpanKind, SpanStatusCode, trace as otel, type Context, type Span } from '@opentelemetry/api';
import { extractContext, injectContext } from '../platform/tracing/propagator.js';
import * as sc from '../platform/tracing/semconv.js';
import { tracer } from '../platform/tracing/tracing.js';
import { IngestError, type LogEntry, type MetricSample } from './types.js';

/**
 * Appends normalised records keyed by entity, each with its id in the `vigil-id` header, and
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

  async write(topic: string, records: Array<MetricSample | LogEntry>, incoming: Headers = {}): Promise<void> {
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
      key: r.entity,
      value: JSON.stringify(r),
      headers: { ...trace, 'vigil-id': r.id, 'content-type': 'application/json' },
    }));
    const sending = this.bus.send(out);
    void sending.then(
      () => span?.end(),
      (err: Error) => {
        span?.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
        span?.end();
      },
    );
    // The request may be answered (503) before this settles; its late outcome is not an error here.
    sending.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no acknowledgement from Kafka within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([sending, timeout]);
    } catch (err) {
      throw new IngestError(503, 'unavailable', `Kafka did not acknowledge the records: ${(err as Error).message}; nothing was accepted, retry`, records.length, {
        'retry-after': '5',
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** `send <topic>`, a producer span as the OpenTelemetry messaging conventions name it. */
function sendSpan(topic: string, count: number, parent: Context): Span {
  return tracer().startSpan(
    `send ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        [sc.MESSAGING_SYSTEM]: sc.SYSTEM_KAFKA,
        [sc.MESSAGING_OPERATION_TYPE]: 'send',
        [sc.MESSAGING_OPERATION_NAME]: 'send',
        [sc.MESSAGING_DESTINATION_NAME]: topic,
        [sc.MESSAGING_BATCH_MESSAGE_COUNT]: count,
      },
    },
    parent,
  );
}
