/** Session-level confusion counts and the scores derived from them. */
export interface DetectionScores {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  f1: number;
}

export function scoreDetections(flaggedAbnormal: number, totalAbnormal: number, falsePositives: number): DetectionScores {
  const tp = flaggedAbnormal;
  const fn = totalAbnormal - flaggedAbnormal;
  const precision = tp + falsePositives === 0 ? 0 : tp / (tp + falsePositives);
  const recall = totalAbnormal === 0 ? 0 : tp / totalAbnormal;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { truePositives: tp, falsePositives, falseNegatives: fn, precision, recall, f1 };
}

/**
 * Scores as if the normal test set were `scale` times larger with the same false-positive rate:
 * needed when only a sample of the normal sessions is tested (the HDFS split keeps 1%).
 */
export function scoreScaled(flaggedAbnormal: number, totalAbnormal: number, falsePositives: number, scale: number): DetectionScores {
  return scoreDetections(flaggedAbnormal, totalAbnormal, falsePositives * scale);
}
