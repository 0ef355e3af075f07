import { context, diag, propagation, trace, type Tracer } from '@opentelemetry/api';
import { getBooleanFromEnv, getStringFromEnv, getStringListFromEnv, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

let provider: NodeTracerProvider | undefined;
/** Whether the installed provider sends spans anywhere (see `tracingExports`). */
let exporting = false;

/** What the standard OTEL_* variables ask of the tracer provider (read with the SDK's own helpers). */
export interface TracingConfig {
  /** Span exporters to install: `otlp` (OTLP/HTTP) and/or `console`; empty: none. */
  exporters: Array<'otlp' | 'console'>;
  /** The process's resource: SDK defaults, then `service.name` from the code, then OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME. */
  resource: Resource;
}

/**
 * Reads the environment as the OpenTelemetry SDK specification has it:
 * - `OTEL_TRACES_EXPORTER`: a comma-separated list of `otlp`, `console`, `none` (`none` wins; an
 *   unknown name is warned about and skipped). Unset: `otlp` when an OTLP endpoint
 *   (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, else nothing —
 *   a Vigil without a collector does not try to reach localhost:4318.
 * - `OTEL_SDK_DISABLED=true`: no exporter (context still propagates through Kafka headers).
 * - `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_SERVICE_NAME`, by the SDK's envDetector; they override
 *   the service name the code gives (`OTEL_SERVICE_NAME` over a `service.name` attribute).
 * The OTLP exporter itself reads `OTEL_EXPORTER_OTLP_*` (endpoint, headers, timeout), the batch
 * processor `OTEL_BSP_*`, the provider `OTEL_TRACES_SAMPLER(_ARG)`.
 */
export function tracingConfig(serviceName: string): TracingConfig {
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': serviceName }))
    .merge(detectResources({ detectors: [envDetector] }));
  if (getBooleanFromEnv('OTEL_SDK_DISABLED')) return { exporters: [], resource };
  const listed = getStringListFromEnv('OTEL_TRACES_EXPORTER')?.map((x) => x.toLowerCase());
  let names: string[];
  if (listed && listed.length > 0) names = listed.includes('none') ? [] : listed;
  else names = getStringFromEnv('OTEL_EXPORTER_OTLP_ENDPOINT') || getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ? ['otlp'] : [];
  const exporters: TracingConfig['exporters'] = [];
  for (const name of new Set(names)) {
    if (name === 'otlp' || name === 'console') exporters.push(name);
    else diag.warn(`OTEL_TRACES_EXPORTER: unsupported exporter "${name}" ignored (otlp, console, none)`);
  }
  return { exporters, resource };
}

/**
 * Installs the tracer provider once per process, configured by the standard OTEL_* variables
 * (`tracingConfig`); tests pass their own processor (an in-memory exporter). Without an
 * exporter, context still propagates through Kafka headers; spans are just not exported.
 */
export function setupTracing(serviceName: string, processors: SpanProcessor[] = []): void {
  if (provider) return;
  const config = tracingConfig(serviceName);
  const spanProcessors = [...processors];
  if (config.exporters.includes('otlp')) spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  if (config.exporters.includes('console')) spanProcessors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  provider = new NodeTracerProvider({ resource: config.resource, spanProcessors });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  exporting = spanProcessors.length > 0;
}

/**
 * True when spans go somewhere (an exporter or a test's processor). Without, a span is worth
 * making only to carry a sampled producer's trace on: consumers skip span work for the rest.
 */
export function tracingExports(): boolean {
  return exporting;
}

export async function shutdownTracing(): Promise<void> {
  await provider?.shutdown();
  provider = undefined;
  exporting = false;
  trace.disable();
  context.disable();
  propagation.disable();
}

export function tracer(): Tracer {
  return trace.getTracer('vigil');
}
