import { describe, expect, it } from 'vitest';
import { findingFingerprint, toFinding } from './findings.js';
import { ruleMatches, type RemediationRule } from '../lib/remediation-rules/index.js';
import type { Incident } from './types.js';

describe('findings', () => {
  it('a prediction is a finding of kind prediction:<limit>; a withdrawn one is none', () => {
    const p = { id: 'p1', entity: 'db-1', metric: 'disk_used_ratio', timestamp: 5, status: 'issued', limit: { name: 'disk_full', op: '>=', value: 0.95 }, probability: 0.8 };
    expect(toFinding('aiops.predictions', p)).toMatchObject({ id: 'p1', kind: 'prediction:disk_full', score: 0.8, labels: { metric: 'disk_used_ratio' } });
    expect(toFinding('aiops.predictions', { ...p, status: 'withdrawn' })).toBeUndefined();
  });

  it('an anomaly keeps its kind and names its top metric; the fingerprint ignores the score', () => {
    const a = { id: 'a1', entity: 'web-1', timestamp: 1, source: 'metrics', score: 0.9, threshold: 0.5, kind: 'metric_anomaly', contributions: [{ metric: 'error_ratio', share: 0.6 }] };
    const f = toFinding('aiops.anomalies', a)!;
    expect(f).toMatchObject({ kind: 'metric_anomaly', labels: { top_metric: 'error_ratio' }, title: 'error_ratio anomalous on web-1' });
    expect(toFinding('aiops.anomalies', { ...a, id: 'a2', score: 0.6 })!.fingerprint).toBe(f.fingerprint);
  });

  it("a detector anomaly naming a series: the title and fingerprint keep the bare metric, rules match top_metric or top_series", () => {
    const series = 'node_cpu_seconds_total{cpu="1",instance="web-1:9100",job="node",mode="iowait"}';
    const a = { id: 'a1', entity: 'web-1:9100', timestamp: 1, source: 'metrics', score: 0.9, threshold: 0.5, kind: 'metric_anomaly', contributions: [{ metric: series, share: 0.7 }], labels: { top_metric: 'node_cpu_seconds_total', top_series: series } };
    const f = toFinding('aiops.anomalies', a)!;
    expect(f).toMatchObject({ labels: { top_metric: 'node_cpu_seconds_total', top_series: series }, title: 'node_cpu_seconds_total anomalous on web-1:9100' });
    expect(f.fingerprint).toBe(findingFingerprint('web-1:9100', 'metric_anomaly', 'node_cpu_seconds_total'));
    const incident = { entity: f.entity, kinds: [f.kind], severity: 'warning', environment: 'default', score: f.score, labels: f.labels } as unknown as Incident;
    const rule = (labels: Record<string, string | string[]>): RemediationRule => ({ name: 'r', file: 'r.yaml', line: 1, match: { labels }, actions: [] });
    expect(ruleMatches(rule({ top_metric: ['node_cpu_seconds_total', 'node_load1'] }), incident)).toBe(true);
    expect(ruleMatches(rule({ top_series: '*mode="iowait"*' }), incident)).toBe(true);
    expect(ruleMatches(rule({ top_series: '*mode="user"*' }), incident)).toBe(false);
  });
});
