/**
 * A telemetry.metrics record's value (streams/schemas/telemetry.metrics.schema.json), as the
 * services that consume the topic read it. Its series is `seriesKey` of tenant, entity, metric
 * and labels.
 */
export interface MetricSampleValue {
  id?: string;
  tenant?: string;
  entity: string;
  metric: string;
  labels?: Record<string, string>;
  timestamp: number;
  value: number;
  kind?: 'gauge' | 'counter' | 'rate';
}
