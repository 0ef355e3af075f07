import type { AiopsPredictions } from '../platform/streams/records/aiops.predictions.js';
import type { Narrowed, WithFields } from '../platform/streams/record-shapes.js';
import type { LimitOp } from './limits/limit-rules.js';

type ForecastStep = NonNullable<AiopsPredictions['forecast']>[number];

/**
 * An aiops.predictions record as the predictor writes it: the generated type with every field
 * set. Its id is the prediction's: the same on its issue, every update and its withdrawal; its
 * timestamp the step the forecast was made from; its forecast H steps ahead, the median and the
 * band's edges.
 */
export type PredictionEvent = Narrowed<
  WithFields<AiopsPredictions, 'expected_breach_at' | 'probability' | 'model_version' | 'labels'>,
  { limit: { name: string; op: LimitOp; value: number }; forecast: Array<WithFields<ForecastStep, 'lower' | 'upper'>> }
>;
