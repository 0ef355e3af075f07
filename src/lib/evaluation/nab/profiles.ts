/** Weights of one NAB application profile. */
export interface CostProfile {
  readonly name: string;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
}

export const NAB_PROFILES: readonly CostProfile[] = [
  { name: 'standard', tp: 1, fp: 0.11, fn: 1 },
  { name: 'reward_low_FP', tp: 1, fp: 0.22, fn: 1 },
  { name: 'reward_low_FN', tp: 1, fp: 0.11, fn: 2 },
];

/** NAB's probationary period: 15% of the rows, at most 750 (15% of 5000). */
export function probationLength(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 750);
}
