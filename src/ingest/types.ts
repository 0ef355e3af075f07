import type { Sample } from '../platform/streams/records/telemetry.metrics.js';
import type { TelemetryLogs } from '../platform/streams/records/telemetry.logs.js';
import type { WithFields } from '../platform/streams/record-shapes.js';

/** One record of telemetry.metrics as ingest writes it: one sample, its id, labels and kind set. */
export type MetricSample = WithFields<Sample, 'id' | 'labels' | 'kind'>;

/** One record of telemetry.logs as ingest writes it: its id set. */
export type LogEntry = WithFields<TelemetryLogs, 'id'>;

/** What a normaliser made of one request or record: the records, and what it left out and why. */
export interface Normalised<T> {
  records: T[];
  /** Reason → count of input samples not turned into records (e.g. non_finite: Prometheus stale markers). */
  dropped: Record<string, number>;
}

/** Where the telemetry came from: a metric label and the key of per-source behaviour. */
export type Source = 'remote_write' | 'otlp' | 'json' | 'kafka';

/**
 * A request the gateway refuses, with the HTTP status and the reason counted in metrics.
 * `message` says which field is wrong, e.g. `timeseries[3].labels: no __name__ label`.
 */
export class IngestError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    /** Samples the refusal covers, when known (counted as rejected). */
    readonly samples = 0,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function invalid(message: string, samples = 0): IngestError {
  return new IngestError(400, 'invalid', message, samples);
}
