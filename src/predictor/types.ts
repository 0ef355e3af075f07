import type { LimitOp } from './limits/limit-rules.js';

/** An aiops.predictions record (streams/schemas/aiops.predictions.schema.json). */
export interface PredictionEvent {
  /** The prediction's id: the same on its issue, every update and its withdrawal. */
  id: string;
  entity: string;
  metric: string;
  /** The step the forecast was made from. */
  timestamp: number;
  status: 'issued' | 'updated' | 'withdrawn';
  limit: { name: string; op: LimitOp; value: number };
  expected_breach_at: number;
  probability: number;
  model_version: string;
  /** H steps ahead: the median and the band's edges. */
  forecast: Array<{ timestamp: number; mean: number; lower: number; upper: number }>;
  labels: Record<string, string>;
}
