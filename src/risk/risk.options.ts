import { existsSync } from 'node:fs';
import { loadRetrainOptions, type RetrainOptions } from './retrain/retrain-options.js';
import { DAY_MS, DEFAULT_LABEL_DELAY_DAYS, DEFAULT_RULES_DIR } from './options.js';
import type { Thresholds } from './rules/rule-types.js';
import { envBool, envChoice, envList, envNumber, envString } from '../platform/config/env-values.js';

/** Where `vigil risk train` writes when no --out is given, and where the service looks first. */
export const DEFAULT_MODEL_DIR = '.vigil/risk-model';

/** Topics of the risk service (streams/topics.yaml). */
export const RISK_TOPICS = { transactions: 'risk.transactions', labels: 'risk.labels', scores: 'risk.scores' } as const;

/** The risk service's configuration, read from the environment (README: "Configuration"). */
export interface RiskServiceOptions {
  /** Model directory (`vigil risk train --out`); undefined: rules only. */
  modelDir: string | undefined;
  /** Why modelDir is what it is, for the start-up log. */
  modelSource: 'RISK_MODEL_DIR' | 'default' | 'none';
  rulesDir: string;
  /** Overrides of the rule files' thresholds. */
  thresholds: Partial<Thresholds>;
  /** Accepted ISO 4217 codes; undefined accepts any (and none). */
  currencies: Set<string> | undefined;
  /** A label counts from max(its timestamp, transaction time + this): the delay the model was trained with. */
  labelDelayMs: number;
  /** Explain every score ('always') or only review/decline ('flagged'). */
  reasons: 'always' | 'flagged';
  /** Start from the feature state saved beside the model (`feature-state.json`) when there is one. */
  warmState: boolean;
  /** Transactions remembered by id so a redelivery is not counted into the features twice. */
  dedupeCapacity: number;
  /** Synthetic transactions scored at start, before taking traffic (0: none). */
  warmUpTransactions: number;
  topics: { transactions: string; labels: string; scores: string };
  /** Partitions handled at once (each still in order); the platform's default is 4. */
  concurrency: number;
  /** The transaction batches handled side by side are scored in one model call. */
  roundScoring: boolean;
  /** Offsets of risk.transactions committed this often instead of after every batch (0: every batch). */
  commitIntervalMs: number;
  retrain: RetrainOptions;
}

const PROBABILITY = { max: 1, is: 'a probability in [0, 1]' } as const;

export function loadRiskOptions(env: NodeJS.ProcessEnv = process.env): RiskServiceOptions {
  const explicit = envString(env, 'RISK_MODEL_DIR', '');
  let modelDir: string | undefined;
  let modelSource: RiskServiceOptions['modelSource'];
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`RISK_MODEL_DIR=${explicit}: no such directory (train one with \`vigil risk train --out ${explicit}\`)`);
    modelDir = explicit;
    modelSource = 'RISK_MODEL_DIR';
  } else if (existsSync(`${DEFAULT_MODEL_DIR}/risk-model.json`)) {
    modelDir = DEFAULT_MODEL_DIR;
    modelSource = 'default';
  } else {
    modelSource = 'none';
  }
  const thresholds: Partial<Thresholds> = {};
  const review = envNumber(env, 'RISK_REVIEW_THRESHOLD', undefined, PROBABILITY);
  const decline = envNumber(env, 'RISK_DECLINE_THRESHOLD', undefined, PROBABILITY);
  if (review !== undefined) thresholds.review = review;
  if (decline !== undefined) thresholds.decline = decline;
  const codes = envList(env, 'RISK_CURRENCIES');
  const currencies = codes && new Set(codes.map((c) => c.toUpperCase()));
  for (const c of currencies ?? []) if (!/^[A-Z]{3}$/.test(c)) throw new Error(`RISK_CURRENCIES: "${c}" is not a three-letter currency code`);
  const delayDays = envNumber(env, 'RISK_LABEL_DELAY_DAYS', DEFAULT_LABEL_DELAY_DAYS);
  const reasons = envChoice(env, 'RISK_REASONS', ['always', 'flagged'], 'always');
  return {
    modelDir,
    modelSource,
    rulesDir: envString(env, 'RISK_RULES_DIR', DEFAULT_RULES_DIR),
    thresholds,
    currencies,
    labelDelayMs: delayDays * DAY_MS,
    reasons,
    warmState: envBool(env, 'RISK_WARM_STATE', true),
    dedupeCapacity: envNumber(env, 'RISK_DEDUPE_CAPACITY', 100_000),
    warmUpTransactions: Math.max(0, envNumber(env, 'RISK_WARM_UP_TRANSACTIONS', 2000)),
    topics: { ...RISK_TOPICS },
    concurrency: Math.max(1, envNumber(env, 'RISK_PARTITIONS_CONCURRENCY', 12)),
    roundScoring: envBool(env, 'RISK_ROUND_SCORING', true),
    commitIntervalMs: Math.max(0, envNumber(env, 'RISK_COMMIT_INTERVAL_MS', 250)),
    retrain: loadRetrainOptions(env),
  };
}
