import type { Command } from 'commander';
import { DEFAULT_OPTIONS, type DetectorOverrides } from '../lib/anomaly/index.js';
import { DEFAULT_CHUNK_ROWS } from './backtest/backtest-series.js';
import { runBacktest } from './backtest/run-backtest.js';
import { runEvaluate } from './backtest/run-evaluate.js';
import { runDetectorEval } from './backtest/run-detector-eval.js';

/**
 * `vigil backtest`, `vigil evaluate` (offline scoring of CSVs, NAB scoring of the result) and
 * `vigil detector-eval` (both in memory over a labelled corpus, per category and leave one
 * category out: the commands behind the detector README's table).
 */
export function registerDetectorCommands(program: Command): Command {
  program
    .command('backtest')
    .description('score CSV files (timestamp + numeric columns) through the streaming detector')
    .requiredOption('--input <path>', 'a CSV file or a directory searched recursively')
    .requiredOption('--output <dir>', 'where to write one score CSV per input file')
    .option('--set <key=value...>', 'override a detector option (see src/lib/anomaly/options.ts)', collectSet, {})
    .option('--chunk-rows <n>', 'rows per entity per scoring call', (v) => positiveInt(v, '--chunk-rows'), DEFAULT_CHUNK_ROWS)
    .action(async (opts: { input: string; output: string; set: DetectorOverrides; chunkRows: number }) => {
      await runBacktest({ input: opts.input, output: opts.output, chunkRows: opts.chunkRows, detector: opts.set });
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
  program
    .command('detector-eval')
    .description('backtest and NAB-score a labelled corpus in memory: all files, per category, and (--loco) leave one category out')
    .requiredOption('--input <dir>', 'a NAB-style corpus: category folders of CSVs and windows.json')
    .option('--windows <file>', 'windows.json (default: <input>/windows.json)')
    .option('--set <key=value...>', 'override a detector option (see src/lib/anomaly/options.ts)', collectSet, {})
    .option('--loco', 'also choose settings with leave-one-category-out and score each held-out category')
    .option('--files', 'also print each file: windows caught and false alarms at the standard threshold')
    .option('--json', 'print one JSON object as the last line')
    .action(async (opts: { input: string; windows?: string; set: DetectorOverrides; loco?: boolean; files?: boolean; json?: boolean }) => {
      await runDetectorEval({ input: opts.input, windows: opts.windows, detector: opts.set, loco: opts.loco ?? false, files: opts.files ?? false, json: opts.json ?? false });
    });
  return program;
}

/** `--set shiftRows=24 --set exactTails=true`: numbers and booleans, only options that exist. */
function collectSet(pair: string, into: DetectorOverrides): DetectorOverrides {
  const [key, raw] = pair.split('=');
  if (!key || raw === undefined || !(key in DEFAULT_OPTIONS)) throw new Error(`--set ${pair}: expected <option>=<value> with one of ${Object.keys(DEFAULT_OPTIONS).join(', ')}`);
  const value = raw === 'true' ? true : raw === 'false' ? false : Number(raw);
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`--set ${pair}: not a number`);
  return { ...into, [key]: value };
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got ${value}`);
  return n;
}
