/** A telemetry.logs record (streams/schemas/telemetry.logs.schema.json). */
export interface LogRecordValue {
  id?: string;
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

/** A template named in a finding: masked text only. */
export interface FindingTemplate {
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
}

/** What the logs service writes to aiops.anomalies (source "logs"). */
export interface LogAnomalyEvent {
  id: string;
  entity: string;
  timestamp: number;
  source: 'logs';
  score: number;
  threshold: number;
  scorer: string;
  model_version: string;
  kind: 'log_sequence' | 'log_counts';
  window: { start: number; end: number };
  labels: Record<string, string>;
  templates: FindingTemplate[];
}
