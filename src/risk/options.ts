/** Defaults shared by the risk features, model, evaluation and CLI. */

export const DAY_MS = 86_400_000;

/** Trailing windows for customer and terminal features. */
export const WINDOW_DAYS = [1, 7, 30] as const;

/** Labels arrive late; the handbook (and most card issuers' reporting) assumes about a week. */
export const DEFAULT_LABEL_DELAY_DAYS = 7;

/** Fresh feature windows are incomplete: rows from the stream's first 30 days are not trained on. */
export const DEFAULT_WARMUP_DAYS = 30;

/** Default directory of rule files, relative to the working directory. */
export const DEFAULT_RULES_DIR = 'rules/risk';

/** Used when no rule file sets thresholds: probability cut-offs on the model's fraud score. */
export const DEFAULT_THRESHOLDS = { review: 0.3, decline: 0.8 } as const;

/** How many features to name as reasons for a score. */
export const DEFAULT_REASON_COUNT = 3;
