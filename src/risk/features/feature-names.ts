/**
 * The model's inputs, in vector order. Names are what reasons and rules refer to, so they are part
 * of the public contract: renaming one breaks saved models and rule files. Each 1d/7d/30d triple
 * must stay consecutive and in that order: the feature code fills them by offset.
 */
export const FEATURE_NAMES = [
  'amount',
  'is_night',
  'is_weekend',
  'log_hours_since_prev_tx',
  'cust_tx_count_1d',
  'cust_tx_count_7d',
  'cust_tx_count_30d',
  'cust_avg_amount_1d',
  'cust_avg_amount_7d',
  'cust_avg_amount_30d',
  // The amount against the customer's own previous 30 days (the current one excluded).
  'cust_amount_ratio_30d',
  'cust_amount_z_30d',
  // Labels that have arrived for this customer (compromised cards stay compromised a while).
  'cust_known_frauds_7d',
  'cust_known_frauds_30d',
  'term_tx_count_1d',
  'term_tx_count_7d',
  'term_tx_count_30d',
  // Terminal risk from arrived labels only: windows over the label's arrival time.
  'term_labelled_count_1d',
  'term_labelled_count_7d',
  'term_labelled_count_30d',
  'term_fraud_rate_1d',
  'term_fraud_rate_7d',
  'term_fraud_rate_30d',
  // Fraud share among arrived labels of transactions with a similar amount (5%-wide log bands),
  // over 30 days of arrivals: lets the model learn amount thresholds from the labels themselves.
  'amount_band_log_labelled_30d',
  'amount_band_fraud_rate_30d',
  // The terminal's frauds among arrived labels, as counts (log(1 + n)) beside the rates above, and
  // how long ago the earliest of them in the last 30 days arrived (30 when none): a terminal
  // compromised for weeks shows its first fraud label a week after the first fraud and keeps it.
  'term_log_known_frauds_7d',
  'term_log_known_frauds_30d',
  'term_days_since_first_known_fraud',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

export const FEATURE_COUNT = FEATURE_NAMES.length;

/** Position of each feature in the vector. */
export const FEATURE_INDEX: Readonly<Record<FeatureName, number>> = Object.fromEntries(
  FEATURE_NAMES.map((name, i) => [name, i]),
) as Record<FeatureName, number>;

export function isFeatureName(name: string): name is FeatureName {
  return Object.hasOwn(FEATURE_INDEX, name);
}
