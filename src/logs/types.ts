import type { AiopsAnomalies } from '../platform/streams/records/aiops.anomalies.js';
import type { TelemetryLogs } from '../platform/streams/records/telemetry.logs.js';
import type { Narrowed, WithFields } from '../platform/streams/record-shapes.js';

/** A telemetry.logs record (generated from streams/schemas/telemetry.logs.schema.json). */
export type LogRecordValue = TelemetryLogs;

/**
 * A template named in a finding: masked text only. A type, not an interface: an interface would
 * not fit the schema's open `templates` items ({ [k: string]: unknown }).
 */
export type FindingTemplate = {
  id: number;
  template: string;
  /**
   * unexpected: the line that broke the pattern; paired: the session's earlier template it never
   * occurred with in training; history: the lines before it; count: a column of the count window.
   */
  role: 'unexpected' | 'paired' | 'history' | 'count';
  probability?: number;
  /** The masked line itself (unexpected template only): placeholders say what was there (<IP>, <EMAIL>...). */
  example?: string;
  count?: number;
  share?: number;
};

/** What the logs service writes to aiops.anomalies (source "logs"): a finding with its window and templates. */
export type LogAnomalyEvent = Narrowed<
  WithFields<AiopsAnomalies, 'model_version' | 'window' | 'labels'>,
  { source: 'logs'; kind: 'log_sequence' | 'log_counts'; templates: FindingTemplate[] }
>;
