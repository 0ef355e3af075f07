import type { AiopsAnomalies } from '../platform/streams/records/aiops.anomalies.js';
import type { AiopsFeedback } from '../platform/streams/records/aiops.feedback.js';
import type { Narrowed, WithFields } from '../platform/streams/record-shapes.js';

export type { MetricSampleValue } from '../platform/series/metric-sample.js';

/** An aiops.feedback record's value (generated from its schema). */
export type FeedbackValue = AiopsFeedback;

/** An aiops.anomalies event written by the detector: a metric finding with its window and contributions. */
export type AnomalyEvent = Narrowed<
  WithFields<AiopsAnomalies, 'model_version' | 'window' | 'contributions' | 'labels'>,
  { source: 'metrics'; kind: 'metric_anomaly' }
>;
