import type { MaskPattern } from './mining/masking.js';
import { loadMaskingConfig } from './mining/masking-config.js';

/** How a record's sequence id is found (first that applies), else the record's entity is the sequence. */
export interface SessionIdOptions {
  /** An attribute holding the id (e.g. `block_id`, `request_id`); '' for none. */
  attribute: string;
  /** A regex on the raw message; its first capture group (or whole match) is the id. */
  regex: RegExp | undefined;
  /** Use the record's own `session` field when it has one. */
  useSessionField: boolean;
}

/** The DeepLog-style next-template scorer in the service: cold start, then periodic retrain. */
export interface SequenceScorerOptions {
  history: number;
  /**
   * How a line is judged: `top-g` (DeepLog's: anomalous when its template is not among the g most
   * likely) or `probability` (anomalous when the LSTM gives it less than `minProbability`).
   */
  rule: 'top-g' | 'probability';
  topG: number;
  minProbability: number;
  /** Lines (in closed sessions or entity chunks) needed before the first training. */
  coldStartLines: number;
  /** Retrain after this many further lines. */
  retrainEveryLines: number;
  /** Most recent lines kept for training (bounds memory). */
  trainLines: number;
  /** Entity streams are cut into chunks of this many lines for training. */
  chunkLines: number;
  epochs: number;
  /** At least this many gradient updates per training (small early data gets more epochs). */
  minUpdates: number;
  units: number;
  /** After a finding, an entity stream is quiet for this many lines (one finding per burst). */
  suppressLines: number;
  /**
   * Sessions (not entity streams) are also flagged when they hold two templates that no session
   * the model trained on held together (the key-pair invariant of sessions-eval).
   */
  keyPairs: boolean;
}

/** Template-count windows per entity, scored by the detector's code. */
export interface CountWindowOptions {
  enabled: boolean;
  /** Window length in event time. */
  windowMs: number;
  /** Templates per entity with a column of their own (first come); the rest share "other". */
  slots: number;
  /** Windows an entity must have before it may alarm (the detector's warm-up). */
  warmupWindows: number;
}

export interface LogsServiceOptions {
  readonly topics: { readonly logs: string; readonly anomalies: string };
  /** Where templates are saved and reloaded from; '' keeps them in memory only. */
  readonly templateDir: string;
  /** Saves happen at most this often (and at shutdown). */
  readonly saveEveryMs: number;
  readonly maxTemplates: number;
  readonly maskPatterns: readonly MaskPattern[];
  readonly maskingSource: string;
  readonly session: SessionIdOptions;
  /** A session with no line for this long (event time) is closed: its end is scored, it joins training. */
  readonly sessionIdleMs: number;
  /** Open sessions kept; beyond it the least recently active is closed. */
  readonly maxSessions: number;
  readonly sequence: SequenceScorerOptions;
  readonly counts: CountWindowOptions;
}

export function loadLogsOptions(env: NodeJS.ProcessEnv = process.env): LogsServiceOptions {
  const masking = loadMaskingConfig(env);
  const regex = env.LOGS_SESSION_REGEX;
  let sessionRegex: RegExp | undefined;
  if (regex) {
    try {
      sessionRegex = new RegExp(regex);
    } catch (err) {
      throw new Error(`LOGS_SESSION_REGEX: invalid regex: ${(err as Error).message}`);
    }
  }
  return {
    topics: { logs: 'telemetry.logs', anomalies: 'aiops.anomalies' },
    templateDir: env.LOGS_TEMPLATE_DIR ?? '.vigil/log-templates',
    saveEveryMs: num(env, 'LOGS_TEMPLATE_SAVE_MS', 2000, 0),
    maxTemplates: num(env, 'LOGS_MAX_TEMPLATES', 10_000, 1),
    maskPatterns: masking.patterns,
    maskingSource: masking.source,
    session: { attribute: env.LOGS_SESSION_ATTRIBUTE ?? '', regex: sessionRegex, useSessionField: env.LOGS_SESSION_FIELD !== 'off' },
    sessionIdleMs: num(env, 'LOGS_SESSION_IDLE_MS', 60_000, 1),
    maxSessions: num(env, 'LOGS_MAX_SESSIONS', 100_000, 1),
    sequence: {
      history: num(env, 'LOGS_LSTM_HISTORY', 10, 1),
      rule: lstmRule(env.LOGS_LSTM_RULE),
      topG: num(env, 'LOGS_LSTM_TOP_G', 9, 1),
      minProbability: probability(env, 'LOGS_LSTM_MIN_PROBABILITY', 0.001),
      coldStartLines: num(env, 'LOGS_LSTM_COLD_START_LINES', 5000, 1),
      retrainEveryLines: num(env, 'LOGS_LSTM_RETRAIN_LINES', 50_000, 1),
      trainLines: num(env, 'LOGS_LSTM_TRAIN_LINES', 20_000, 1),
      chunkLines: num(env, 'LOGS_LSTM_CHUNK_LINES', 50, 2),
      epochs: num(env, 'LOGS_LSTM_EPOCHS', 20, 1),
      minUpdates: num(env, 'LOGS_LSTM_MIN_UPDATES', 300, 0),
      units: num(env, 'LOGS_LSTM_UNITS', 64, 1),
      suppressLines: num(env, 'LOGS_SUPPRESS_LINES', 100, 0),
      keyPairs: onOff(env, 'LOGS_KEY_PAIRS', true),
    },
    counts: {
      enabled: env.LOGS_COUNTS !== 'off',
      windowMs: num(env, 'LOGS_COUNT_WINDOW_MS', 60_000, 1),
      slots: num(env, 'LOGS_COUNT_SLOTS', 12, 1),
      warmupWindows: num(env, 'LOGS_COUNT_WARMUP_WINDOWS', 150, 1),
    },
  };
}

function lstmRule(raw: string | undefined): SequenceScorerOptions['rule'] {
  // The probability floor: the rule sessions-eval measures best on HDFS (README), so the default.
  if (raw === undefined || raw === '') return 'probability';
  if (raw === 'top-g' || raw === 'probability') return raw;
  throw new Error(`LOGS_LSTM_RULE must be top-g or probability, got ${raw}`);
}

function probability(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const p = Number(raw);
  if (!(p > 0 && p < 1)) throw new Error(`${name} must be a number between 0 and 1 (exclusive), got ${raw}`);
  return p;
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on' || raw === 'off') return raw === 'on';
  throw new Error(`${name} must be on or off, got ${raw}`);
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${raw}`);
  return n;
}
