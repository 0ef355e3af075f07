export { backtestSeries, DEFAULT_CHUNK_ROWS, type BacktestInput } from './backtest-series.js';
export { runBacktest, type BacktestOptions, type BacktestSummary } from './run-backtest.js';
export { runEvaluate, type EvaluateOptions } from './run-evaluate.js';
