/**
 * Indices of the k highest scores, best first (ties: lower index first), skipping excluded
 * indices and non-finite scores. Keeps a k-long sorted buffer: a candidate costs O(1) unless it
 * beats the current k-th best, which for small k over thousands of items beats a full sort.
 */
export function topK(
  scores: ArrayLike<number>,
  k: number,
  exclude: (index: number) => boolean = () => false,
): number[] {
  const idx: number[] = [];
  const val: number[] = [];
  if (k <= 0) return idx;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) continue;
    if (idx.length === k && s <= val[k - 1]!) continue;
    if (exclude(i)) continue;
    if (idx.length < k) {
      idx.push(i);
      val.push(s);
    } else {
      idx[k - 1] = i;
      val[k - 1] = s;
    }
    // bubble the newcomer up to its place
    for (let p = idx.length - 1; p > 0 && val[p - 1]! < val[p]!; p--) {
      [val[p - 1], val[p]] = [val[p]!, val[p - 1]!];
      [idx[p - 1], idx[p]] = [idx[p]!, idx[p - 1]!];
    }
  }
  return idx;
}
