import { afterEach, describe, expect, it, vi } from 'vitest';
import { tracingConfig } from './tracing.js';

describe('tracingConfig (the standard OTEL_* variables)', () => {
  afterEach(() => vi.unstubAllEnvs());

  /** A clean slate: none of the variables the config reads. */
  function env(vars: Record<string, string>): void {
    for (const k of ['OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_SDK_DISABLED', 'OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES']) {
      vi.stubEnv(k, vars[k] ?? '');
    }
  }

  it('exports over OTLP when an endpoint is set or otlp is asked for, and not at all by default', () => {
    env({});
    expect(tracingConfig('vigil').exporters).toEqual([]);
    env({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' });
    expect(tracingConfig('vigil').exporters).toEqual(['otlp']);
    env({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' });
    expect(tracingConfig('vigil').exporters).toEqual(['otlp']);
    env({ OTEL_TRACES_EXPORTER: 'otlp' });
    expect(tracingConfig('vigil').exporters).toEqual(['otlp']);
    env({ OTEL_TRACES_EXPORTER: ' OTLP , console,otlp' });
    expect(tracingConfig('vigil').exporters).toEqual(['otlp', 'console']);
  });

  it('OTEL_TRACES_EXPORTER=none and OTEL_SDK_DISABLED=true export nothing, even with an endpoint set', () => {
    env({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' });
    expect(tracingConfig('vigil').exporters).toEqual([]);
    env({ OTEL_TRACES_EXPORTER: 'otlp,none' });
    expect(tracingConfig('vigil').exporters).toEqual([]);
    env({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' });
    expect(tracingConfig('vigil').exporters).toEqual([]);
    // An exporter this build does not have is skipped, not fatal.
    env({ OTEL_TRACES_EXPORTER: 'zipkin,otlp' });
    expect(tracingConfig('vigil').exporters).toEqual(['otlp']);
  });

  it('the resource: the code gives service.name, OTEL_RESOURCE_ATTRIBUTES adds to it, OTEL_SERVICE_NAME overrides both', () => {
    env({});
    const plain = tracingConfig('vigil-detector').resource.attributes;
    expect(plain['service.name']).toBe('vigil-detector');
    expect(plain['telemetry.sdk.language']).toBe('nodejs'); // the SDK's defaults are kept

    env({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,service.namespace=aiops,service.name=from-attributes,team=sre%20on%20call' });
    const attrs = tracingConfig('vigil-detector').resource.attributes;
    expect(attrs).toMatchObject({ 'deployment.environment.name': 'staging', 'service.namespace': 'aiops', 'service.name': 'from-attributes', team: 'sre on call' });

    env({ OTEL_SERVICE_NAME: 'detector-eu-1', OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes,service.version=1.2.3' });
    expect(tracingConfig('vigil-detector').resource.attributes).toMatchObject({ 'service.name': 'detector-eu-1', 'service.version': '1.2.3' });
  });
});
