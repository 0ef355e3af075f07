/**
 * Grouping accuracy (Zhu et al., ICSE-SEIP 2019): a line counts as correctly parsed when the set
 * of lines its predicted group holds equals the set its ground-truth group holds. Groups are
 * identified by any label; only the partition matters.
 */
export function groupingAccuracy(truth: readonly string[], predicted: readonly (string | number)[]): number {
  if (truth.length !== predicted.length) throw new Error(`label counts differ: ${truth.length} truth, ${predicted.length} predicted`);
  if (truth.length === 0) return 1;
  const truthGroups = indexGroups(truth);
  const predGroups = indexGroups(predicted);
  let correct = 0;
  // A predicted group is right when all its lines share one truth label whose group has the same size.
  for (const lines of predGroups.values()) {
    const label = truth[lines[0]!]!;
    if (truthGroups.get(label)!.length === lines.length && lines.every((i) => truth[i] === label)) correct += lines.length;
  }
  return correct / truth.length;
}

function indexGroups<T>(labels: readonly T[]): Map<T, number[]> {
  const groups = new Map<T, number[]>();
  labels.forEach((label, i) => {
    const g = groups.get(label);
    if (g) g.push(i);
    else groups.set(label, [i]);
  });
  return groups;
}
