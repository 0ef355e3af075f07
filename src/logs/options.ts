import { envChoice, envInt, envNumber, envOnOff, envString } from '../platform/config/env-values.js';
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
  const regex = envString(env, 'LOGS_SESSION_REGEX', '', { asWritten: true });
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
    templateDir: envString(env, 'LOGS_TEMPLATE_DIR', '.vigil/log-templates', { emptyIsValue: true }),
    saveEveryMs: envInt(env, 'LOGS_TEMPLATE_SAVE_MS', 2000),
    maxTemplates: envInt(env, 'LOGS_MAX_TEMPLATES', 10_000, { min: 1 }),
    maskPatterns: masking.patterns,
    maskingSource: masking.source,
    session: { attribute: envString(env, 'LOGS_SESSION_ATTRIBUTE', ''), regex: sessionRegex, useSessionField: !offSaid(env, 'LOGS_SESSION_FIELD') },
    sessionIdleMs: envInt(env, 'LOGS_SESSION_IDLE_MS', 60_000, { min: 1 }),
    maxSessions: envInt(env, 'LOGS_MAX_SESSIONS', 100_000, { min: 1 }),
    sequence: {
      history: envInt(env, 'LOGS_LSTM_HISTORY', 10, { min: 1 }),
      // The probability floor: the rule sessions-eval measures best on HDFS (README), so the default.
      rule: envChoice(env, 'LOGS_LSTM_RULE', ['top-g', 'probability'], 'probability'),
      topG: envInt(env, 'LOGS_LSTM_TOP_G', 9, { min: 1 }),
      minProbability: envNumber(env, 'LOGS_LSTM_MIN_PROBABILITY', 0.001, { max: 1, exclusive: true }),
      coldStartLines: envInt(env, 'LOGS_LSTM_COLD_START_LINES', 5000, { min: 1 }),
      retrainEveryLines: envInt(env, 'LOGS_LSTM_RETRAIN_LINES', 50_000, { min: 1 }),
      trainLines: envInt(env, 'LOGS_LSTM_TRAIN_LINES', 20_000, { min: 1 }),
      chunkLines: envInt(env, 'LOGS_LSTM_CHUNK_LINES', 50, { min: 2 }),
      epochs: envInt(env, 'LOGS_LSTM_EPOCHS', 20, { min: 1 }),
      minUpdates: envInt(env, 'LOGS_LSTM_MIN_UPDATES', 300),
      units: envInt(env, 'LOGS_LSTM_UNITS', 64, { min: 1 }),
      suppressLines: envInt(env, 'LOGS_SUPPRESS_LINES', 100),
      keyPairs: envOnOff(env, 'LOGS_KEY_PAIRS', true),
    },
    counts: {
      enabled: !offSaid(env, 'LOGS_COUNTS'),
      windowMs: envInt(env, 'LOGS_COUNT_WINDOW_MS', 60_000, { min: 1 }),
      slots: envInt(env, 'LOGS_COUNT_SLOTS', 12, { min: 1 }),
      warmupWindows: envInt(env, 'LOGS_COUNT_WARMUP_WINDOWS', 150, { min: 1 }),
    },
  };
}

/**
 * These two switches are on unless set to exactly `off`: any other word leaves them on, as it
 * always has (a strict on/off would now stop a start that works).
 */
function offSaid(env: NodeJS.ProcessEnv, name: string): boolean {
  return envString(env, name, '') === 'off';
}
