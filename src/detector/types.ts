export type { MetricSampleValue } from '../platform/series/metric-sample.js';

/** An aiops.feedback record's value. */
export interface FeedbackValue {
  id: string;
  entity: string;
  incident_id?: string;
  finding_id?: string;
  timestamp: number;
  kind: 'false_positive' | 'true_positive' | 'missed';
  by?: string;
  comment?: string;
}

/** An aiops.anomalies event written by the detector. */
export interface AnomalyEvent {
  id: string;
  entity: string;
  timestamp: number;
  source: 'metrics';
  score: number;
  threshold: number;
  scorer: string;
  model_version: string;
  window: { start: number; end: number };
  contributions: Array<{ metric: string; share: number }>;
  labels: Record<string, string>;
  kind: 'metric_anomaly';
}
