/** Top-k ranking metrics with binary relevance, averaged over users. */
export interface RankingMetrics {
  precision_at_k: number;
  recall_at_k: number;
  ndcg_at_k: number;
  map_at_k: number;
}

/**
 * Metrics of one user's ranked list against the held-out items.
 * precision = hits / k (k even when the list is shorter); recall = hits / |relevant|;
 * NDCG = Σ 1/log2(rank+1) over hits, over the same for an ideal list of min(k, |relevant|) hits;
 * AP = Σ precision-at-each-hit / min(k, |relevant|).
 */
export function userMetrics(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): RankingMetrics {
  if (relevant.size === 0) throw new RangeError('a user with no relevant items has no metrics');
  let hits = 0;
  let dcg = 0;
  let apSum = 0;
  const top = ranked.slice(0, k);
  top.forEach((item, r) => {
    if (!relevant.has(item)) return;
    hits++;
    dcg += 1 / Math.log2(r + 2);
    apSum += hits / (r + 1);
  });
  const ideal = Math.min(k, relevant.size);
  let idcg = 0;
  for (let r = 0; r < ideal; r++) idcg += 1 / Math.log2(r + 2);
  return {
    precision_at_k: hits / k,
    recall_at_k: hits / relevant.size,
    ndcg_at_k: dcg / idcg,
    map_at_k: apSum / ideal,
  };
}

/** Running mean of per-user metrics. */
export class MetricsAccumulator {
  private readonly sum: RankingMetrics = { precision_at_k: 0, recall_at_k: 0, ndcg_at_k: 0, map_at_k: 0 };
  private n = 0;

  add(m: RankingMetrics): void {
    this.sum.precision_at_k += m.precision_at_k;
    this.sum.recall_at_k += m.recall_at_k;
    this.sum.ndcg_at_k += m.ndcg_at_k;
    this.sum.map_at_k += m.map_at_k;
    this.n++;
  }

  get users(): number {
    return this.n;
  }

  mean(): RankingMetrics {
    const d = this.n || 1;
    return {
      precision_at_k: this.sum.precision_at_k / d,
      recall_at_k: this.sum.recall_at_k / d,
      ndcg_at_k: this.sum.ndcg_at_k / d,
      map_at_k: this.sum.map_at_k / d,
    };
  }
}
