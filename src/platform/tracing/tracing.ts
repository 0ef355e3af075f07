import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

let provider: NodeTracerProvider | undefined;

/**
 * Installs the tracer provider once per process. Spans are exported over OTLP/HTTP when the
 * standard OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT is set (or OTEL_TRACES_EXPORTER=otlp); tests pass
 * their own processor (an in-memory exporter). Without either, context still propagates
 * through Kafka headers; spans are just not exported.
 */
export function setupTracing(serviceName: string, processors: SpanProcessor[] = []): void {
  if (provider) return;
  const exporters = [...processors];
  const env = process.env;
  const wantsOtlp =
    env.OTEL_TRACES_EXPORTER === 'otlp' || !!env.OTEL_EXPORTER_OTLP_ENDPOINT || !!env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (wantsOtlp && env.OTEL_SDK_DISABLED !== 'true') exporters.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? serviceName }),
    spanProcessors: exporters,
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
}

export async function shutdownTracing(): Promise<void> {
  await provider?.shutdown();
  provider = undefined;
  trace.disable();
  context.disable();
  propagation.disable();
}

export function tracer(): Tracer {
  return trace.getTracer('vigil');
}
