import type { MetricSampleValue } from '../platform/series/metric-sample.js';
import type { WithFields } from '../platform/streams/record-shapes.js';

/** A telemetry.metrics sample as the demo writes it: no id, tenant or kind, always labels. */
export type DemoSample = WithFields<Pick<MetricSampleValue, 'entity' | 'metric' | 'timestamp' | 'value' | 'labels'>, 'labels'>;
