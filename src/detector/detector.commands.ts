import type { Command } from 'commander';
import { DEFAULT_CHUNK_ROWS } from './backtest/backtest-series.js';
import { runBacktest } from './backtest/run-backtest.js';
import { runEvaluate } from './backtest/run-evaluate.js';

/** `vigil backtest` and `vigil evaluate`: offline scoring of CSVs and NAB scoring of the result. */
export function registerDetectorCommands(program: Command): Command {
  program
    .command('backtest')
    .description('score CSV files (timestamp + numeric columns) through the streaming detector')
    .requiredOption('--input <path>', 'a CSV file or a directory searched recursively')
    .requiredOption('--output <dir>', 'where to write one score CSV per input file')
    .option('--no-autoencoder', 'score with the statistical baseline only')
    .option('--chunk-rows <n>', 'rows per entity per scoring call', (v) => positiveInt(v, '--chunk-rows'), DEFAULT_CHUNK_ROWS)
    .action(async (opts: { input: string; output: string; autoencoder: boolean; chunkRows: number }) => {
      await runBacktest({
        input: opts.input,
        output: opts.output,
        chunkRows: opts.chunkRows,
        detector: { autoencoder: { enabled: opts.autoencoder } },
      });
    });
  program
    .command('evaluate')
    .description('NAB scores (standard, reward_low_FP, reward_low_FN) and event-wise P/R/F1 of a backtest')
    .requiredOption('--scores <dir>', 'directory written by backtest')
    .requiredOption('--windows <file>', 'NAB windows.json')
    .option('--json', 'print one JSON object as the last line')
    .action(async (opts: { scores: string; windows: string; json?: boolean }) => {
      await runEvaluate({ scores: opts.scores, windows: opts.windows, json: opts.json ?? false });
    });
  return program;
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got ${value}`);
  return n;
}
