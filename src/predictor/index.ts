export { runForecastEval, formatForecastEval, type ForecastEvalReport } from './eval/forecast-eval.js';
export { OnlineForecaster, type SeriesForecast } from './forecast/online-forecaster.js';
export { DEFAULT_FORECASTER, type ForecasterOptions } from './forecast/options.js';
export { loadLimitRules, parseLimitRules, type LimitRule } from './limits/limit-rules.js';
export { PredictionTracker } from './limits/prediction-tracker.js';
export { registerPredictorCommands } from './predictor.commands.js';
export { PredictorService } from './predictor.service.js';
export type { PredictionEvent } from './types.js';
