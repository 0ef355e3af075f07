import { RiskFeatureState } from './features/feature-state.js';
import type { RiskModel } from './model/risk-model.js';
import { RiskScorer, type RiskScorerOptions } from './risk-scorer.js';
import type { RiskRules } from './rules/rule-types.js';

export interface WarmUpResult {
  transactions: number;
  ms: number;
  /** The first and the last batch's time: how much slower a cold scorer is. */
  firstBatchMs: number;
  lastBatchMs: number;
}

/**
 * Scores `count` synthetic transactions through a scorer of its own (a fresh feature state, the
 * same model and rules) before the service takes traffic. The first calls into the model (WASM
 * memory, kernels) and the feature code (before V8 optimises it) are many times slower than later
 * ones; paid here, they do not land on the first real transactions. Nothing of the live feature
 * state, dedupe memory or metrics is touched.
 */
export function warmUp(model: RiskModel | undefined, rules: RiskRules, options: RiskScorerOptions, count: number): WarmUpResult {
  const scorer = new RiskScorer(model, rules, new RiskFeatureState(), options);
  const started = performance.now();
  const t0 = Date.UTC(2000, 0, 1);
  let firstBatchMs = 0;
  let lastBatchMs = 0;
  let done = 0;
  // Batch sizes as a fetch round brings them, small to large.
  for (let b = 0; done < count; b++) {
    const size = Math.min(count - done, [1, 4, 16, 64][b % 4]!);
    const batch = Array.from({ length: size }, (_, k) => {
      const i = done + k;
      return { id: `warm-up-${i}`, time: t0 + i * 37_000, customerId: `c${i % 97}`, terminalId: `t${i % 31}`, amount: 5 + ((i * 7919) % 20_000) / 100 };
    });
    const t = performance.now();
    scorer.scoreBatch(batch);
    lastBatchMs = performance.now() - t;
    if (b === 0) firstBatchMs = lastBatchMs;
    // Labels too, so the label features' code is warm as well.
    for (const [k, tx] of batch.entries()) if ((done + k) % 5 === 0) scorer.addLabel({ transactionId: tx.id, customerId: tx.customerId, terminalId: tx.terminalId, fraud: tx.amount > 150, amount: tx.amount, availableAt: tx.time + 1000 });
    done += size;
  }
  return { transactions: done, ms: performance.now() - started, firstBatchMs, lastBatchMs };
}
