import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../config/duration.js';
import { STREAMS_DIR, loadCatalogue, parseCatalogue, topicSpecs, type RawCatalogue } from './catalogue.js';
import { SchemaRegistry } from './validator.js';

describe('the topic catalogue in streams/', () => {
  const catalogue = loadCatalogue();

  it('names every topic of the design, with a dead-letter twin for each consumed topic', () => {
    const names = [...catalogue.topics.keys()];
    for (const t of ['telemetry.metrics', 'telemetry.logs', 'aiops.anomalies', 'aiops.predictions', 'aiops.incidents', 'aiops.remediations', 'aiops.feedback', 'risk.transactions', 'risk.labels', 'risk.scores', 'reco.interactions', 'reco.recommendations']) {
      expect(names).toContain(t);
    }
    for (const input of ['telemetry.metrics', 'telemetry.logs', 'aiops.anomalies', 'aiops.feedback', 'risk.transactions', 'risk.labels', 'reco.interactions']) {
      expect(catalogue.get(input).dlq).toBe(`${input}.dlq`);
      expect(catalogue.get(`${input}.dlq`).dlqOf).toBe(input);
    }
  });

  it('has one schema file per topic with a schema, and every one compiles', () => {
    const files = readdirSync(`${STREAMS_DIR}schemas`).sort();
    const declared = [...catalogue.topics.values()].flatMap((t) => (t.schema ? [t.schema] : [])).sort();
    expect(declared).toEqual(files);
    expect(() => new SchemaRegistry(catalogue)).not.toThrow();
  });

  it('validates with a message naming the field', () => {
    const s = new SchemaRegistry(catalogue);
    expect(s.validate('telemetry.metrics', { entity: 'a', metric: 'cpu', timestamp: 1, value: 0.5 }).ok).toBe(true);
    expect(s.validate('telemetry.metrics', { entity: 'a', metric: 'cpu', timestamp: 1 })).toEqual({ ok: false, error: "/: must have required property 'value'" });
    expect(s.validate('telemetry.metrics', { entity: 'a', metric: 'cpu', timestamp: 1, value: 1, extra: 1 })).toEqual({
      ok: false,
      error: '/: must NOT have additional properties (extra)',
    });
    expect(s.validate('risk.transactions', { transaction_id: 't', timestamp: 1, customer_id: 'c', terminal_id: 'x', amount: -5 }).ok).toBe(false);
  });

  it('turns entries into broker configs', () => {
    const spec = topicSpecs(catalogue).find((t) => t.name === 'reco.recommendations')!;
    expect(spec.config['cleanup.policy']).toBe('compact');
    expect(spec.config['retention.ms']).toBe(String(7 * 86_400_000));
    const dlq = topicSpecs(catalogue).find((t) => t.name === 'telemetry.metrics.dlq')!;
    expect(Number(dlq.config['max.message.bytes'])).toBeGreaterThan(Number(topicSpecs(catalogue).find((t) => t.name === 'telemetry.metrics')!.config['max.message.bytes']));
  });

  it('has compacted changelogs for the detector and the predictor, co-partitioned with telemetry.metrics, with neither schema nor dead-letter twin', () => {
    const metrics = catalogue.get('telemetry.metrics');
    for (const name of ['aiops.detector-state', 'aiops.predictor-state']) {
      const t = catalogue.get(name);
      expect(t).toMatchObject({ changelogOf: 'telemetry.metrics', partitions: metrics.partitions, cleanup: 'compact', schema: undefined, dlq: undefined });
      expect(catalogue.topics.has(`${name}.dlq`)).toBe(false);
      const spec = topicSpecs(catalogue).find((s) => s.name === name)!;
      expect(spec.partitions).toBe(metrics.partitions);
      expect(spec.config).toMatchObject({
        'cleanup.policy': 'compact',
        'retention.ms': '-1',
        'segment.ms': String(3_600_000),
        'min.cleanable.dirty.ratio': '0.1',
        'delete.retention.ms': String(86_400_000),
      });
      // Snapshots may be larger than an input record.
      expect(Number(spec.config['max.message.bytes'])).toBeGreaterThan(metrics.maxMessageBytes!);
    }
    expect(new SchemaRegistry(catalogue).has('aiops.detector-state')).toBe(false);
  });

  it('refuses a changelog that is not co-partitioned with its input, or is declared like a stream', () => {
    const input = { key: 'entity', partitions: 12, cleanup: 'delete', schema: 's.json', dlq: true };
    const state = { key: 'entity', changelogOf: 'in', partitions: 12, cleanup: 'compact' };
    const parse = (topics: RawCatalogue['topics']) => () => parseCatalogue({ topics }, 'f.yaml');
    expect(parse({ in: input, state })).not.toThrow();
    // Declared before its input too: the check runs once every topic is known.
    expect(parse({ state, in: input })).not.toThrow();
    expect(parse({ in: input, state: { ...state, partitions: 6 } })).toThrow('f.yaml: topic state: a changelog is co-partitioned with in: it needs its 12 partitions, not 6');
    expect(parse({ state: { ...state, partitions: 6 }, in: input })).toThrow(/co-partitioned with in/);
    expect(parse({ in: input, state: { ...state, changelogOf: 'elsewhere' } })).toThrow('changelogOf names elsewhere, which is not an input topic');
    expect(parse({ in: input, state: { ...state, cleanup: 'delete' } })).toThrow('a changelog is compacted');
    expect(parse({ in: input, state: { ...state, schema: 's.json' } })).toThrow('no schema');
    expect(parse({ in: input, state: { ...state, dlq: true } })).toThrow('no dead-letter twin');
    expect(parse({ in: input, state: { ...state, minCleanableDirtyRatio: 1.5 } })).toThrow('minCleanableDirtyRatio');
  });

  it('rejects a malformed catalogue with the topic and the problem', () => {
    expect(() => parseCatalogue({ topics: { x: { key: 'k', partitions: 0, cleanup: 'delete', schema: 's' } } }, 'f.yaml')).toThrow(
      'f.yaml: topic x: partitions must be a positive integer',
    );
    expect(() => parseDuration('7 days')).toThrow(/not a duration/);
    expect(parseDuration('90m')).toBe(5_400_000);
  });
});
