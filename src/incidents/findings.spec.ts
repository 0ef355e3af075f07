import { describe, expect, it } from 'vitest';
import { toFinding } from './findings.js';

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
});
