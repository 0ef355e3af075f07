import { InvalidArgumentError, type Command } from 'commander';
import { evaluate, parseDay, type EvaluationReport } from './evaluation/evaluate.js';
import { DEFAULT_LABEL_DELAY_DAYS, DEFAULT_RULES_DIR } from './options.js';
import { DEFAULT_MODEL_DIR } from './risk.options.js';
import { loadRiskRules } from './rules/load-rules.js';
import { train } from './train.js';

const log = (msg: string) => console.error(msg);

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number >= 0');
  return n;
}

function day(value: string): string {
  try {
    parseDay(value, 'date');
  } catch {
    throw new InvalidArgumentError('must be a date YYYY-MM-DD');
  }
  return value;
}

/** Reports a failure as one line on stderr and a non-zero exit code, not a stack trace. */
function run<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await action(...args);
    } catch (err) {
      console.error(`error: ${(err as Error).message}`);
      process.exitCode = 1;
    }
  };
}

/** `vigil risk train`, `evaluate` and `check-rules`. Progress goes to stderr, results to stdout. */
export function registerRiskCommands(program: Command): void {
  const risk = program.command('risk').description('card fraud scorer: train the model, backtest it on a labelled file');

  risk
    .command('train')
    .description('train the fraud model from a transactions CSV (handbook format, .csv or .csv.gz) into a directory')
    .requiredOption('--data <file>', 'transactions CSV')
    .option('--out <dir>', 'directory for model.json, weights.bin, risk-model.json, feature-state.json (the service loads this default)', DEFAULT_MODEL_DIR)
    .option('--until <YYYY-MM-DD>', 'train as of this day: only transactions before it, labels arrived before it', day)
    .option('--label-delay-days <days>', 'days before a label may be used', nonNegativeNumber, DEFAULT_LABEL_DELAY_DAYS)
    .action(
      run(async (opts: { data: string; out: string; until?: string; labelDelayDays: number }) => {
        const report = await train({ data: opts.data, out: opts.out, labelDelayDays: opts.labelDelayDays, log, ...(opts.until && { until: opts.until }) });
        console.log(`model saved to ${report.out}: trained on ${report.trainedOn} of ${report.transactions} transactions (${report.frauds} frauds), labels known by ${report.cutoff}, ${report.seconds} s`);
      }),
    );

  risk
    .command('evaluate')
    .description('backtest: replay in time order, train on labels known before --test-from, score everything after')
    .requiredOption('--data <file>', 'transactions CSV')
    .requiredOption('--test-from <YYYY-MM-DD>', 'first day scored', day)
    .option('--test-until <YYYY-MM-DD>', 'first day not scored (default: end of file)', day)
    .option('--label-delay-days <days>', 'days before a label may be used', nonNegativeNumber, DEFAULT_LABEL_DELAY_DAYS)
    .option('--rules <dir>', 'risk rule directory (for the latency run)', DEFAULT_RULES_DIR)
    .option('--no-latency', 'skip timing the scorer')
    .option('--json', 'print the report as one JSON object on the last line')
    .action(
      run(async (opts: { data: string; testFrom: string; testUntil?: string; labelDelayDays: number; rules: string; latency: boolean; json?: boolean }) => {
      const report = await evaluate({
        data: opts.data,
        testFrom: opts.testFrom,
        labelDelayDays: opts.labelDelayDays,
        rulesDir: opts.rules,
        latency: opts.latency,
        log,
        ...(opts.testUntil && { testUntil: opts.testUntil }),
      });
        console.log(formatReport(report));
        if (opts.json) console.log(JSON.stringify(report));
      }),
    );

  risk
    .command('check-rules')
    .description('validate the risk rule files; lists every problem as file: where: what')
    .option('--rules <dir>', 'risk rule directory', DEFAULT_RULES_DIR)
    .action(
      run(async (opts: { rules: string }) => {
        const rules = await loadRiskRules(opts.rules);
        const t = rules.thresholds;
        console.log(`${rules.files.length} file(s) OK: ${rules.limits.length} limit(s), ${rules.lists.length} list(s), review at ${t.review}, decline at ${t.decline}`);
      }),
    );
}

function formatReport(r: EvaluationReport): string {
  const f = (x: number) => x.toFixed(4);
  const lines = [
    `train: ${r.train.transactions} transactions (${r.train.frauds} frauds) ${r.train.from} .. ${r.train.until}, label delay ${r.train.label_delay_days} d, model ${r.model.kind}`,
    `test:  ${r.test.transactions} transactions (${r.test.frauds} frauds) over ${r.test.days} days from ${r.test.from}`,
    `ROC-AUC ${f(r.auc)}  average precision ${f(r.average_precision)}  card precision@100 ${f(r.card_precision_at_100)}`,
    `time: replay ${r.seconds.replay} s, train ${r.seconds.train} s, score ${r.seconds.score} s, total ${r.seconds.total} s`,
  ];
  if (r.latency) {
    const { features_only: features, single, single_reasons_flagged_only: flagged, batched } = r.latency;
    lines.push(
      `scorer latency per transaction (features + model + rules):`,
      `  features alone:                      p50 ${features.p50_ms} ms  p99 ${features.p99_ms} ms`,
      `  one at a time, reasons for all:     p50 ${single.p50_ms} ms  p99 ${single.p99_ms} ms  (${single.transactions} tx)`,
      `  one at a time, reasons when flagged: p50 ${flagged.p50_ms} ms  p99 ${flagged.p99_ms} ms`,
      `  batches of ${batched.batch_size}: p50 ${batched.p50_ms} ms  p99 ${batched.p99_ms} ms per tx (batch p50 ${batched.batch_p50_ms} ms, p99 ${batched.batch_p99_ms} ms)`,
    );
  }
  return lines.join('\n');
}
