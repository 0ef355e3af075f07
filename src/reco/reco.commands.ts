import { type Command, InvalidArgumentError, Option } from 'commander';
import { evaluate, type EvaluationReport } from './evaluation/evaluate.js';
import { prequential } from './evaluation/prequential.js';
import { readInteractions } from './evaluation/read-interactions.js';
import type { SplitKind } from './evaluation/split.js';
import type { RecommenderOptions } from './model/options.js';

/** `vigil reco ...`: offline evaluation of the recommender (hold-out and stream replay). */
export function registerRecoCommands(program: Command): Command {
  const reco = program.command('reco').description('recommender: offline evaluation');
  withModelFlags(reco.command('evaluate'))
    .description('hold out part of each user\'s items, train on the rest, score top-k for the model and a most-popular baseline')
    .requiredOption('--data <file>', 'interactions: user, item[, rating[, timestamp]] per line (tab, comma or space separated)')
    .addOption(new Option('--split <kind>', 'which items each user holds out').choices(['random', 'time']).default('random'))
    .option('--test-ratio <ratio>', 'share of each user\'s items held out', ratio, 0.25)
    .option('--seed <n>', 'seed of the random split', integer, 1)
    .option('--k <n>', 'length of each recommendation list', integer, 10)
    .option('--json', 'print the report as one JSON line last')
    .action(async (opts: EvaluateFlags) => {
      const data = await readInteractions(opts.data);
      const report = evaluate({
        data,
        split: opts.split,
        testRatio: opts.testRatio,
        seed: opts.seed,
        k: opts.k,
        model: modelOptions(opts),
      });
      if (opts.json) console.log(JSON.stringify(report));
      else console.log(formatReport(report));
    });
  withModelFlags(reco.command('replay'))
    .description('test-then-train over the time-ordered stream: fit on the early part, then score each later event against the top k asked for just before it')
    .requiredOption('--data <file>', 'interactions: user, item[, rating[, timestamp]] per line')
    .option('--test-ratio <ratio>', 'share of the stream (latest events) replayed', ratio, 0.25)
    .option('--k <n>', 'length of each recommendation list', integer, 10)
    .option('--refit-every <n>', 'refit after this many replayed events (0 = never)', integer, 5000)
    .option('--fold-in', 'also fold each event into the item model (about 10 ms an event at 1,700 items)')
    .option('--frozen', 'never learn from the replayed events (a model trained once)')
    .option('--json', 'print the report as one JSON line last')
    .action(async (opts: ReplayFlags) => {
      const report = prequential({
        data: await readInteractions(opts.data),
        testRatio: opts.testRatio,
        k: opts.k,
        refitEvery: opts.refitEvery,
        model: { ...modelOptions(opts), foldIn: opts.foldIn ?? false },
        frozen: opts.frozen ?? false,
      });
      const out = {
        ...report,
        k: opts.k,
        test_ratio: opts.testRatio,
        refit_every: opts.refitEvery,
        fold_in: opts.foldIn ?? false,
        frozen: opts.frozen ?? false,
      };
      if (opts.json) console.log(JSON.stringify(out));
      else
        console.log(
          `${report.events} events replayed (${report.cold_events} from new users): hit rate@${opts.k} ` +
            `model ${report.hit_rate_at_k.toFixed(4)}, popularity ${report.baseline_hit_rate_at_k.toFixed(4)}`,
        );
    });
  return reco;
}

interface ModelFlags {
  l2?: number;
  dropout?: number;
  recencyHalfLife?: number;
  recencyFloor?: number;
}

interface EvaluateFlags extends ModelFlags {
  data: string;
  split: SplitKind;
  testRatio: number;
  seed: number;
  k: number;
  json?: boolean;
}

interface ReplayFlags extends ModelFlags {
  data: string;
  testRatio: number;
  k: number;
  refitEvery: number;
  foldIn?: boolean;
  frozen?: boolean;
  json?: boolean;
}

/** The model's flags, alike on every command that fits one (read back by modelOptions). */
function withModelFlags(command: Command): Command {
  return command
    .option('--l2 <lambda>', 'EASE ridge strength (default: the tuned one)', positive)
    .option('--dropout <p>', 'DLAE input-dropout regulariser, 0 = plain EASE', fraction)
    .option('--recency-half-life <n>', 'weigh each user\'s items by recency when scoring (0 = off)', nonNegative)
    .option('--recency-floor <w>', 'with recency on, the weight old items decay to (0..1)', unit);
}

/** Only the model options given on the command line; the rest keep their defaults. */
function modelOptions(opts: ModelFlags): Partial<RecommenderOptions> {
  const out: Partial<RecommenderOptions> = {};
  if (opts.l2 !== undefined) out.l2 = opts.l2;
  if (opts.dropout !== undefined) out.dropout = opts.dropout;
  if (opts.recencyHalfLife !== undefined) out.recencyHalfLife = opts.recencyHalfLife;
  if (opts.recencyFloor !== undefined) out.recencyFloor = opts.recencyFloor;
  return out;
}

function formatReport(r: EvaluationReport): string {
  const row = (name: string, m: { precision_at_k: number; recall_at_k: number; ndcg_at_k: number; map_at_k: number }) =>
    `${name.padEnd(12)} ${[m.precision_at_k, m.recall_at_k, m.ndcg_at_k, m.map_at_k].map((v) => v.toFixed(4).padStart(10)).join(' ')}`;
  return [
    `split ${r.split}, test ratio ${r.test_ratio}, seed ${r.seed}: ${r.users} users, ${r.train_interactions} train / ${r.test_interactions} test interactions`,
    `model: EASE l2 ${r.model.l2}, dropout ${r.model.dropout}, recency half-life ${r.model.recencyHalfLife}, floor ${r.model.recencyFloor}`,
    `${''.padEnd(12)} ${[`P@${r.k}`, `R@${r.k}`, `NDCG@${r.k}`, `MAP@${r.k}`].map((h) => h.padStart(10)).join(' ')}`,
    row('model', r),
    row('popularity', r.baseline),
    `fit ${r.fit_ms} ms, recommend ${r.recommend_ms_per_user.toFixed(3)} ms per user`,
  ].join('\n');
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('not an integer');
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('not a positive number');
  return n;
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (!(n >= 0)) throw new InvalidArgumentError('not a non-negative number');
  return n;
}

function unit(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('must be in [0, 1]');
  return n;
}

function fraction(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError('must be in [0, 1)');
  return n;
}

function ratio(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('must be between 0 and 1');
  return n;
}
