import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { parseTimestamp, readWindowsFile } from '../lib/evaluation/index.js';
import { initBackend } from '../platform/ml/backend.js';
import { formatLeadTimes } from './eval/lead-time.js';
import { formatForecastEval, runForecastEval } from './eval/forecast-eval.js';

/** `vigil forecast-eval`: rolling-origin backtest of the forecaster against seasonal naive, and lead times. */
export function registerPredictorCommands(program: Command): Command {
  program
    .command('forecast-eval')
    .description('backtest the LSTM forecaster on CSVs (timestamp + numeric columns): MASE and sMAPE against seasonal naive')
    .requiredOption('--input <path>', 'a CSV file or a directory searched recursively')
    .option('--horizon <h>', 'steps ahead (default: the forecaster default, 12)', (v) => positiveInt(v, '--horizon'))
    .option('--origin-stride <k>', 'evaluate every k-th origin (models still train on every row)', (v) => positiveInt(v, '--origin-stride'), 6)
    .option('--lead-time', 'also report how early predictions came before labelled windows (limits derived from each file\'s first 15%)')
    .option('--windows <file>', 'NAB windows.json for --lead-time (default: windows.json beside or above the input)')
    .option('--json', 'print one JSON object as the last line')
    .action(async (opts: { input: string; horizon?: number; originStride: number; leadTime?: boolean; windows?: string; json?: boolean }) => {
      await initBackend(() => {});
      const log = opts.json ? () => {} : (line: string) => console.error(line);
      let leadTime: Parameters<typeof runForecastEval>[0]['leadTime'];
      if (opts.leadTime) {
        const windowsFile = opts.windows ?? (await findBeside(opts.input, 'windows.json'));
        const labelsFile = join(dirname(windowsFile), 'labels.json');
        const labels = await readFile(labelsFile, 'utf8').then(
          (text) => new Map(Object.entries(JSON.parse(text) as Record<string, string[]>).map(([k, v]) => [k, v.map(parseTimestamp)])),
          () => new Map<string, number[]>(),
        );
        leadTime = { windows: await readWindowsFile(windowsFile), labels };
      }
      const report = await runForecastEval({ input: opts.input, ...(opts.horizon ? { horizon: opts.horizon } : {}), originStride: opts.originStride, log, ...(leadTime ? { leadTime } : {}) });
      if (!opts.json) {
        console.log(`horizon ${report.horizon} steps, every ${report.originStride}th origin after the first 15% (and the cold start), ${report.seconds.toFixed(0)} s`);
        console.log(formatForecastEval(report));
        if (report.leadTimes) console.log(`\n${formatLeadTimes(report.leadTimes)}`);
      } else {
        console.log(JSON.stringify(report));
      }
    });
  return program;
}

/** windows.json in the input's folder or the one above it (nab-dev/realKnownCause → nab-dev). */
async function findBeside(input: string, name: string): Promise<string> {
  for (const dir of [input, dirname(input), dirname(dirname(input))]) {
    const candidate = join(dir, name);
    if (await readFile(candidate).then(() => true, () => false)) return candidate;
  }
  throw new Error(`--lead-time: no ${name} near ${input}; pass --windows`);
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got ${value}`);
  return n;
}
