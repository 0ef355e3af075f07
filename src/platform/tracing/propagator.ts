import { context, propagation, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import type { Headers } from '../bus/types.js';

/** Kafka headers as a W3C trace-context carrier (traceparent, tracestate, baggage). */
const getter: TextMapGetter<Headers> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

const setter: TextMapSetter<Headers> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

export function extractContext(headers: Headers): Context {
  // Most records carry no context; skip the propagator's work for them.
  if (!headers.traceparent) return context.active();
  return propagation.extract(context.active(), headers, getter);
}

export function injectContext(ctx: Context, headers: Headers): Headers {
  propagation.inject(ctx, headers, setter);
  return headers;
}

/**
 * Whether a W3C traceparent (`00-<trace id>-<span id>-<flags>`) has the sampled flag, read from
 * the flags' last hex digit without parsing the rest: a cheap test before any extraction.
 */
export function looksSampled(traceparent: string | undefined): boolean {
  if (traceparent === undefined || traceparent.length < 55) return false;
  const digit = parseInt(traceparent[54]!, 16);
  return (digit & 1) === 1;
}
