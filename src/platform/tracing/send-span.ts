import { SpanKind, SpanStatusCode, trace, type Context, type Link, type Span } from '@opentelemetry/api';
import { ATTR_MESSAGING_BATCH_MESSAGE_COUNT } from '@opentelemetry/semantic-conventions/incubating';
import type { Headers } from '../bus/types.js';
import { extractContext } from './propagator.js';
import { messagingAttributes } from './semconv.js';
import { tracer } from './tracing.js';

/** Links per send span: enough to find the messages' traces, bounded for huge batches. */
const MAX_LINKS = 128;

/**
 * `send <topic>`, a producer span as the OpenTelemetry messaging conventions name it, for one
 * append of `count` records. When the records carry contexts of their own (each continues the
 * trace of the record it came from), the span links to them, as the conventions ask of a batch.
 */
export function sendSpan(topic: string, count: number, parent: Context, messages: Headers[] = []): Span {
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const headers of messages) {
    if (links.length >= MAX_LINKS) break;
    if (!headers.traceparent || seen.has(headers.traceparent)) continue;
    seen.add(headers.traceparent);
    const ctx = trace.getSpanContext(extractContext(headers));
    if (ctx) links.push({ context: ctx });
  }
  return tracer().startSpan(
    `send ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      links,
      attributes: { ...messagingAttributes('send', topic), [ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: count },
    },
    parent,
  );
}

/** Ends the span when the append settles, with an error status if it failed. */
export function endWith<T>(span: Span, sending: Promise<T>): Promise<T> {
  return sending.then(
    (v) => {
      span.end();
      return v;
    },
    (err: Error) => {
      span.recordException(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      span.end();
      throw err;
    },
  );
}
