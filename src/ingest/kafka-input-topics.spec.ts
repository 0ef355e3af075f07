import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../platform/streams/catalogue.js';
import { SchemaRegistry } from '../platform/streams/validator.js';
import { inputCatalogue, inputTopicSpecs } from './kafka-input-topics.js';

describe('Collector kafka exporter topics', () => {
  const platform = loadCatalogue();

  it('are in streams/topics.yaml under the exporter defaults, with schemas and dead-letter twins', () => {
    const c = inputCatalogue(platform, { metrics: 'otlp_metrics', logs: 'otlp_logs' });
    expect(c.get('otlp_metrics')).toMatchObject({ schema: 'otlp_metrics.schema.json', dlq: 'otlp_metrics.dlq', partitions: 12 });
    expect(c.get('otlp_logs.dlq').dlqOf).toBe('otlp_logs');
    expect(c.topics.size).toBe(platform.topics.size);
  });

  it('take the entries settings and schemas under the names an exporter was configured with', () => {
    const c = inputCatalogue(platform, { metrics: 'team-a.metrics', logs: 'otlp_logs' });
    expect(c.get('team-a.metrics')).toMatchObject({ schema: 'otlp_metrics.schema.json', dlq: 'team-a.metrics.dlq', retentionMs: 3 * 86_400_000 });
    expect(c.get('team-a.metrics.dlq')).toMatchObject({ dlqOf: 'team-a.metrics', schema: undefined });
    const schemas = new SchemaRegistry(c);
    expect(schemas.validate('team-a.metrics', { resourceMetrics: [] }).ok).toBe(true);
    expect(schemas.validate('team-a.metrics', { resourceLogs: [] })).toEqual({ ok: false, error: "/: must have required property 'resourceMetrics'" });
    expect(() => c.get('nope')).toThrow(/neither streams\/topics.yaml nor/);
  });

  it('refuse names that would take over another catalogue topic, or one topic for both signals', () => {
    expect(() => inputCatalogue(platform, { metrics: 'telemetry.metrics', logs: 'otlp_logs' })).toThrow(/already a topic of streams\/topics.yaml/);
    expect(() => inputCatalogue(platform, { metrics: 'otlp_logs', logs: 'otlp_logs' })).toThrow(/need topics of their own/);
  });

  it('apply only the missing input topics and every dead-letter twin', () => {
    const c = inputCatalogue(platform, { metrics: 'team-a.metrics', logs: 'otlp_logs' });
    const specs = inputTopicSpecs(c, ['team-a.metrics'], ['team-a.metrics', 'otlp_logs'], 1);
    expect(specs.map((s) => s.name).sort()).toEqual(['otlp_logs.dlq', 'team-a.metrics', 'team-a.metrics.dlq']);
    expect(specs.find((s) => s.name === 'team-a.metrics')!.config['retention.ms']).toBe(String(3 * 86_400_000));
  });
});
