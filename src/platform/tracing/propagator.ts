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
