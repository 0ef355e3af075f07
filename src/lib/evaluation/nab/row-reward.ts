import { MAX_TP, scaledSigmoid } from './sigmoid.js';
import type { CostProfile } from './profiles.js';
import type { RowLabels } from './types.js';

/**
 * The score one detection at row i would earn under a profile, as NAB's sweeper computes it:
 * inside a window, tp · scaledSigmoid(-(right - i + 1) / width) / MAX_TP (so +tp at the left
 * edge); outside, fp · scaledSigmoid(distance past the previous window / (its width - 1)),
 * or -fp when no window came before.
 */
export function rowReward(labels: RowLabels, i: number, profile: CostProfile): number {
  const w = labels.windowOf[i]!;
  if (w >= 0) {
    const [first, last] = labels.windowRows[w]!;
    const width = last - first + 1;
    return (scaledSigmoid(-(last - i + 1) / width) * profile.tp) / MAX_TP;
  }
  const p = labels.prevWindowOf[i]!;
  if (p < 0) return -profile.fp;
  const [first, last] = labels.windowRows[p]!;
  const width = last - first + 1;
  // A one-row window has width - 1 = 0: every later row is then infinitely far (full cost).
  const position = width > 1 ? Math.abs(i - last) / (width - 1) : Infinity;
  return scaledSigmoid(position) * profile.fp;
}
