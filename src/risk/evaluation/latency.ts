import { FEATURE_COUNT } from '../features/feature-names.js';
import type { RiskFeatureState } from '../features/feature-state.js';
import type { RiskScorer } from '../risk-scorer.js';
import type { Transaction } from '../types.js';

export interface LatencySummary {
  transactions: number;
  p50_ms: number;
  p99_ms: number;
}

export interface LatencyReport {
  /** The online features alone (`observe`), for comparison with the full path. */
  features_only: LatencySummary;
  /** One `score(tx)` call per transaction: features + model + reasons + rules. */
  single: LatencySummary;
  /** Same, explaining only review/decline decisions. */
  single_reasons_flagged_only: LatencySummary;
  /** `scoreBatch` calls; per-transaction figures are each batch's time divided by its size. */
  batched: LatencySummary & { batch_size: number; batch_p50_ms: number; batch_p99_ms: number };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(ms: number[]): LatencySummary {
  return { transactions: ms.length, p50_ms: round(percentile(ms, 50)), p99_ms: round(percentile(ms, 99)) };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Times the scorer on consecutive transactions, continuing its feature state. Each scorer must be
 * distinct (they all advance their own state); the first `warmup` calls of each are not counted.
 */
export function measureLatency(
  scorers: { single: RiskScorer; flagged: RiskScorer; batched: RiskScorer; features: RiskFeatureState },
  txs: readonly Transaction[],
  { singles = 3000, batchSize = 100, warmup = 200 } = {},
): LatencyReport {
  const time = (fn: () => void) => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  const out = new Float32Array(FEATURE_COUNT);
  const features = txs.slice(0, singles).map((tx) => time(() => scorers.features.observe(tx, out))).slice(warmup);
  const single = txs.slice(0, singles).map((tx) => time(() => scorers.single.score(tx))).slice(warmup);
  const flagged = txs.slice(0, singles).map((tx) => time(() => scorers.flagged.score(tx))).slice(warmup);
  const batches: number[] = [];
  for (let i = 0; i + batchSize <= txs.length; i += batchSize) {
    const batch = txs.slice(i, i + batchSize);
    batches.push(time(() => scorers.batched.scoreBatch(batch)));
  }
  const counted = batches.slice(Math.ceil(warmup / batchSize));
  return {
    features_only: summary(features),
    single: summary(single),
    single_reasons_flagged_only: summary(flagged),
    batched: {
      ...summary(counted.map((ms) => ms / batchSize)),
      transactions: counted.length * batchSize,
      batch_size: batchSize,
      batch_p50_ms: round(percentile(counted, 50)),
      batch_p99_ms: round(percentile(counted, 99)),
    },
  };
}
