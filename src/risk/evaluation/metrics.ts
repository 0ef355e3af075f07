/** Ranking metrics for fraud scores. Labels are 0/1; ties in score are handled as sklearn does. */

/** Indices of `scores` in descending score order. */
function descending(scores: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => scores[b]! - scores[a]!);
}

/** Area under the ROC curve; tied scores count half (Mann-Whitney U). */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const order = descending(scores);
  let positives = 0;
  let negatives = 0;
  let pairs = 0; // positive-above-negative pairs, ties counted half
  for (let i = 0; i < order.length; ) {
    let j = i;
    let pos = 0;
    let neg = 0;
    while (j < order.length && scores[order[j]!] === scores[order[i]!]) {
      if (labels[order[j]!]) pos++;
      else neg++;
      j++;
    }
    // Every positive already passed (higher score) is correctly ordered against this group's negatives.
    pairs += neg * positives + 0.5 * pos * neg;
    positives += pos;
    negatives += neg;
    i = j;
  }
  if (positives === 0 || negatives === 0) return Number.NaN;
  return pairs / (positives * negatives);
}

/** Average precision: sum over score thresholds of (recall step) x precision, as in sklearn. */
export function averagePrecision(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const order = descending(scores);
  let total = 0;
  for (let i = 0; i < labels.length; i++) total += labels[i] ? 1 : 0;
  if (total === 0) return Number.NaN;
  let tp = 0;
  let seen = 0;
  let ap = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    let newTp = 0;
    while (j < order.length && scores[order[j]!] === scores[order[i]!]) {
      if (labels[order[j]!]) newTp++;
      j++;
    }
    tp += newTp;
    seen = j;
    ap += (newTp / total) * (tp / seen);
    i = j;
  }
  return ap;
}

export interface CardPrecisionInput {
  day: ArrayLike<number>;
  customer: ArrayLike<string>;
  score: ArrayLike<number>;
  label: ArrayLike<number>;
}

/**
 * Card precision top-k as the Fraud Detection Handbook defines it: each day, every card gets its
 * highest score and is fraudulent if any of its transactions that day is; the k highest-scoring
 * cards are the day's alerts and the day's precision is (fraudulent cards among them) / k. Cards
 * already caught on an earlier day are removed from later days. The result is the mean over days.
 */
export function cardPrecisionAtK(input: CardPrecisionInput, k: number): { mean: number; perDay: Map<number, number> } {
  const byDay = new Map<number, Map<string, { score: number; fraud: boolean }>>();
  for (let i = 0; i < input.day.length; i++) {
    const day = input.day[i]!;
    let cards = byDay.get(day);
    if (!cards) byDay.set(day, (cards = new Map()));
    const id = input.customer[i]!;
    const card = cards.get(id);
    const fraud = input.label[i] === 1;
    if (card) {
      card.score = Math.max(card.score, input.score[i]!);
      card.fraud ||= fraud;
    } else {
      cards.set(id, { score: input.score[i]!, fraud });
    }
  }
  const caught = new Set<string>();
  const perDay = new Map<number, number>();
  for (const day of [...byDay.keys()].sort((a, b) => a - b)) {
    const ranked = [...byDay.get(day)!]
      .filter(([id]) => !caught.has(id))
      .sort(([ia, a], [ib, b]) => b.score - a.score || (ia < ib ? -1 : ia > ib ? 1 : 0))
      .slice(0, k);
    const hits = ranked.filter(([, c]) => c.fraud);
    for (const [id] of hits) caught.add(id);
    perDay.set(day, hits.length / k);
  }
  const values = [...perDay.values()];
  const mean = values.length ? values.reduce((s, v) => s + v, 0) / values.length : Number.NaN;
  return { mean, perDay };
}
