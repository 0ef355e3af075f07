/** One scored series: timestamps in ms (ascending) and the detector's score per row. */
export interface ScoredSeries {
  readonly name: string;
  readonly times: readonly number[];
  readonly scores: readonly number[];
}

/** Anomaly windows of one series as [startMs, endMs], inclusive, in time order. */
export type Windows = readonly (readonly [number, number])[];

/** Where each row sits relative to the labelled windows. */
export interface RowLabels {
  /** Index of the window containing the row, or -1. */
  readonly windowOf: Int32Array;
  /** Index of the last window that ended before the row, or -1. */
  readonly prevWindowOf: Int32Array;
  /** [firstRow, lastRow] of every window, by window index. */
  readonly windowRows: readonly (readonly [number, number])[];
  readonly probation: number;
}

export interface ProfileResult {
  readonly profile: string;
  readonly threshold: number;
  readonly raw: number;
  readonly null: number;
  readonly perfect: number;
  /** 100 * (raw - null) / (perfect - null) */
  readonly score: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
}

export interface EventMetrics {
  readonly threshold: number;
  /** Windows with at least one detection. */
  readonly detectedWindows: number;
  readonly windows: number;
  /** Runs of consecutive detections lying wholly outside every window. */
  readonly falseAlarms: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

export interface Evaluation {
  readonly files: number;
  readonly windows: number;
  readonly profiles: readonly ProfileResult[];
  readonly events: EventMetrics;
}
