import type { Batch, Point, Sample, TelemetryMetrics } from '../streams/records/telemetry.metrics.js';

/**
 * A telemetry.metrics record's value, as the services that consume the topic read it: the
 * types generated from streams/schemas/telemetry.metrics.schema.json. Its series is `seriesKey`
 * of tenant, entity, metric and labels.
 */
export type MetricSampleValue = Sample;

/** A sample inside a batched record: its entity and tenant are the batch's. */
export type MetricPointValue = Point;

/** A batched telemetry.metrics record: one entity's samples from one request. */
export type MetricBatchValue = Batch;

/** What a telemetry.metrics record holds: one sample, or one entity's batch of them. */
export type MetricRecordValue = TelemetryMetrics;

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
