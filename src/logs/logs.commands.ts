import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { initBackend } from '../platform/ml/backend.js';
import { loadLoghub } from './eval/loghub-dataset.js';
import { evaluateParsing, type ParseEvalReport } from './eval/parse-eval.js';
import { loadLogsOptions } from './options.js';
import { readSessions } from './sessions/session-file.js';
import type { DeepLogOptions } from './sessions/deeplog-detector.js';
import { evaluateSessions, type SessionsEvalReport } from './sessions/sessions-eval.js';

/** `vigil logs ...`: offline evaluations of the log miner and the log-sequence detectors. */
export function registerLogsCommands(program: Command): void {
  const logs = program.command('logs').description('log template mining and log anomaly detection');

  logs
    .command('parse-eval')
    .description('grouping accuracy of the template miner on loghub-2k style data (one configuration for every system)')
    .requiredOption('--input <dir>', 'directory with one <System>/ folder per system (raw *_2k.log and *_structured.csv)')
    .option('--systems <names>', 'comma-separated subset of systems')
    .option('--json', 'print the report as one JSON object on the last line')
    .action((opts: { input: string; systems?: string; json?: boolean }) => {
      const systems = loadLoghub(opts.input, opts.systems?.split(',').map((s) => s.trim()));
      if (systems.length === 0) throw new Error(`no loghub systems found under ${opts.input}`);
      const report = evaluateParsing(systems);
      if (opts.json) console.log(JSON.stringify(report));
      else printParseReport(report);
    });

  logs
    .command('sessions-eval')
    .description('session anomaly detection: DeepLog-style LSTM against n-gram baselines, each alone and with the key-pair invariant, trained on normal sessions')
    .requiredOption('--train <file>', 'normal training sessions, one per line, keys separated by spaces')
    .requiredOption('--test-normal <file>', 'normal test sessions')
    .requiredOption('--test-abnormal <file>', 'anomalous test sessions')
    .option('--normal-scale <x>', 'multiply false positives by this for the scaled scores (default: 553366/5583, the HDFS sample ratio)', Number)
    .option('--epochs <n>', 'LSTM training epochs', Number)
    .option('--top-g <n>', 'g: keys outside the top g predictions are anomalous (top-g rule; default: the service\'s, LOGS_LSTM_TOP_G)', Number)
    .option('--min-probability <p>', 'keys the LSTM gives less than p are anomalous (probability rule; default: the service\'s, LOGS_LSTM_MIN_PROBABILITY)', Number)
    .option('--history <n>', 'h: keys of history the LSTM sees', Number)
    .option('--seed <n>', 'seed for the LSTM initialisation and shuffles', Number)
    .option('--members <n>', 'LSTMs (different seeds) whose predictions are averaged', Number)
    .option('--layers <n>', 'stacked LSTM layers (DeepLog: 2)', Number)
    .option('--units <n>', 'units per LSTM layer (DeepLog: 64)', Number)
    .option('--weighting <w>', 'how much a distinct training window counts: count, sqrt or log')
    .option('--validation-fraction <x>', 'share of training sessions held out to pick the epoch (0: keep the last)', Number)
    .option('--ngram-contexts <list>', 'comma-separated context lengths (n-1) of the n-gram baselines (default 1,2,3)')
    .option('--session-scores <file>', "write each test session's lowest LSTM probability, worst rank and key-pair verdict to this JSON file")
    .option('--json', 'print the report as one JSON object on the last line')
    .action(async (opts: SessionsOpts) => {
      const log = (msg: string) => console.error(msg);
      await initBackend(log);
      // The service's decision as this environment configures it (LOGS_LSTM_RULE, LOGS_KEY_PAIRS,
      // and LOGS_LSTM_MIN_PROBABILITY / LOGS_LSTM_TOP_G unless --min-probability / --top-g say otherwise).
      const shipped = loadLogsOptions().sequence;
      const report = await evaluateSessions(
        {
          train: readSessions(opts.train),
          testNormal: readSessions(opts.testNormal),
          testAbnormal: readSessions(opts.testAbnormal),
          ...(opts.normalScale ? { normalScale: opts.normalScale } : {}),
          deeplog: defined({ epochs: opts.epochs, topG: opts.topG, minProbability: opts.minProbability, history: opts.history, seed: opts.seed, members: opts.members, layers: opts.layers, units: opts.units, weighting: weighting(opts.weighting), validationFraction: opts.validationFraction }),
          ngram: defined({ topG: opts.topG }),
          ...(opts.ngramContexts ? { ngramContexts: opts.ngramContexts.split(',').map(Number) } : {}),
          shipped: { rule: shipped.rule, keyPairs: shipped.keyPairs, minProbability: shipped.minProbability, topG: shipped.topG },
          keepSessionScores: opts.sessionScores !== undefined,
        },
        log,
      );
      if (opts.sessionScores !== undefined) {
        // JSON has no Infinity: an unseen key's worst rank is written as null (its probability is 0).
        writeFileSync(opts.sessionScores, JSON.stringify(report.sessionScores));
        delete report.sessionScores;
      }
      if (opts.json) console.log(JSON.stringify(report));
      else printSessionsReport(report);
    });
}

interface SessionsOpts {
  train: string;
  testNormal: string;
  testAbnormal: string;
  normalScale?: number;
  epochs?: number;
  topG?: number;
  minProbability?: number;
  history?: number;
  seed?: number;
  members?: number;
  layers?: number;
  units?: number;
  weighting?: string;
  validationFraction?: number;
  ngramContexts?: string;
  sessionScores?: string;
  json?: boolean;
}

function weighting(w: string | undefined): DeepLogOptions['weighting'] | undefined {
  if (w === undefined || w === 'count' || w === 'sqrt' || w === 'log') return w;
  throw new Error(`--weighting must be count, sqrt or log, not ${w}`);
}

/** Drop options the user did not give, so the detectors' defaults apply. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function printParseReport(r: ParseEvalReport): void {
  console.log('system        lines  truth  mined  accuracy  online  drain(published)');
  for (const s of r.systems) {
    console.log(
      `${s.system.padEnd(12)} ${String(s.lines).padStart(6)} ${String(s.truthTemplates).padStart(6)} ${String(s.minedTemplates).padStart(6)}` +
        `  ${s.groupingAccuracy.toFixed(3).padStart(8)}  ${s.onlineGroupingAccuracy.toFixed(3).padStart(6)}  ${s.drainPublished?.toFixed(3) ?? '-'}`,
    );
  }
  console.log(`mean ${r.meanAccuracy.toFixed(4)}  min ${r.minAccuracy.toFixed(3)}`);
}

function printSessionsReport(r: SessionsEvalReport): void {
  console.log(`sessions: train ${r.sessions.train}, test normal ${r.sessions.testNormal}, test abnormal ${r.sessions.testAbnormal}; FP scale ${r.normalScale.toFixed(2)}`);
  console.log('detector                TP     FP     FN  precision  recall      F1 | scaled: precision      F1 | train s  detect s');
  for (const d of r.detectors) {
    console.log(
      `${(d.shipped ? `${d.name} *` : d.name).padEnd(22)} ${String(d.raw.truePositives).padStart(5)} ${String(d.raw.falsePositives).padStart(6)} ${String(d.raw.falseNegatives).padStart(6)}` +
        `  ${d.raw.precision.toFixed(4).padStart(9)}  ${d.raw.recall.toFixed(4)}  ${d.raw.f1.toFixed(4)} |          ${d.scaled.precision.toFixed(4)}  ${d.scaled.f1.toFixed(4)}` +
        ` | ${(d.trainMillis / 1000).toFixed(1).padStart(7)}  ${(d.detectMillis / 1000).toFixed(1).padStart(8)}`,
    );
  }
  const shipped = r.detectors.find((d) => d.shipped);
  if (shipped) console.log(`* the logs service's decision with this environment's settings (LOGS_LSTM_RULE, LOGS_KEY_PAIRS, LOGS_LSTM_MIN_PROBABILITY, LOGS_LSTM_TOP_G): ${shipped.name}`);
  for (const d of r.detectors) {
    if (d.sweep) console.log(`${d.name.replace(/p<[^ ]+/, 'rule')} sweep (scaled F1): ${d.sweep.map((x) => `${x.rule} ${x.scaledF1.toFixed(3)}`).join(', ')}`);
  }
}
