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

/** A sample inside a batched record: its entity and tenant are the batch's. */
export type MetricPointValue = Omit<MetricSampleValue, 'entity' | 'tenant'>;

/** A batched telemetry.metrics record: one entity's samples from one request. */
export interface MetricBatchValue {
  id?: string;
  tenant?: string;
  entity: string;
  samples: MetricPointValue[];
}

/** What a telemetry.metrics record holds: one sample, or one entity's batch of them. */
export type MetricRecordValue = MetricSampleValue | MetricBatchValue;

/**
 * The samples of a telemetry.metrics record, whichever form it has, each with its entity (and
 * tenant): consumers read both forms alike. A batch was validated whole when it was read.
 */
export function samplesOf(value: MetricRecordValue): MetricSampleValue[] {
  if (!('samples' in value)) return [value];
  const { tenant, entity } = value;
  const out = new Array<MetricSampleValue>(value.samples.length);
  for (let i = 0; i < out.length; i++) {
    const p = value.samples[i]!;
    out[i] = tenant === undefined ? { ...p, entity } : { ...p, tenant, entity };
  }
  return out;
}
