/** One record of telemetry.metrics (streams/schemas/telemetry.metrics.schema.json). */
export interface MetricSample {
  id: string;
  tenant?: string;
  entity: string;
  metric: string;
  labels: Record<string, string>;
  timestamp: number;
  value: number;
  kind: 'gauge' | 'counter' | 'rate';
}

/** One record of telemetry.logs (streams/schemas/telemetry.logs.schema.json). */
export interface LogEntry {
  id: string;
  tenant?: string;
  entity: string;
  timestamp: number;
  level?: string;
  message: string;
  attributes?: Record<string, string | number | boolean | null>;
  session?: string;
  trace_id?: string;
  span_id?: string;
}

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
