import { createHash } from 'node:crypto';
import type { Finding } from './types.js';

interface AnomalyValue {
  id: string;
  entity: string;
  timestamp: number;
  source: string;
  score: number;
  threshold: number;
  kind?: string;
  labels?: Record<string, string>;
  contributions?: Array<{ metric: string; share: number }>;
}

interface PredictionValue {
  id: string;
  entity: string;
  metric: string;
  timestamp: number;
  status: 'issued' | 'updated' | 'withdrawn';
  limit: { name: string; op: string; value: number };
  probability?: number;
  labels?: Record<string, string>;
}

/**
 * The same problem seen again has the same fingerprint: entity, kind and the metric that drove it.
 * Two samples of one latency excursion share it; a latency and a disk finding on one host do not
 * (they still group into one incident through the grouping key).
 */
export function findingFingerprint(entity: string, kind: string, metric: string): string {
  return createHash('sha256').update(`${entity}\u0000${kind}\u0000${metric}`).digest('hex').slice(0, 32);
}

/** A record of aiops.anomalies or aiops.predictions as a finding; undefined for a withdrawn prediction. */
export function toFinding(topic: string, value: unknown): Finding | undefined {
  if (topic.endsWith('predictions')) {
    const p = value as PredictionValue;
    if (p.status === 'withdrawn') return undefined;
    const kind = `prediction:${p.limit.name}`;
    return {
      id: p.id,
      entity: p.entity,
      timestamp: p.timestamp,
      kind,
      source: 'predictions',
      score: p.probability ?? 0.5,
      labels: { ...(p.labels ?? {}), metric: p.metric },
      fingerprint: findingFingerprint(p.entity, kind, p.metric),
      title: `${p.metric} forecast to cross ${p.limit.name} (${p.limit.op} ${p.limit.value}) on ${p.entity}`,
    };
  }
  const a = value as AnomalyValue;
  const kind = a.kind ?? `${a.source}_anomaly`;
  const metric = a.labels?.top_metric || a.contributions?.[0]?.metric || '';
  return {
    id: a.id,
    entity: a.entity,
    timestamp: a.timestamp,
    kind,
    source: 'anomalies',
    score: a.score,
    labels: { ...(a.labels ?? {}), ...(metric ? { top_metric: metric } : {}) },
    fingerprint: findingFingerprint(a.entity, kind, metric),
    title: kind === 'metric_anomaly' && metric ? `${metric} anomalous on ${a.entity}` : `${kind} on ${a.entity}`,
  };
}

/** What silences and rules match a finding on. */
export function findingAttributes(f: Finding, environment: string): Record<string, string> {
  return { ...f.labels, entity: f.entity, kind: f.kind, source: f.source, environment };
}

export function environmentOf(labels: Readonly<Record<string, string>>): string {
  return labels.environment || labels.env || 'default';
}
