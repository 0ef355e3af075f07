/** One implicit-feedback event: a user touched an item (viewed, clicked, rated, bought). */
export interface Interaction {
  user: string;
  item: string;
  /** Unix epoch milliseconds or seconds; only compared with other timestamps of the same source. */
  timestamp: number;
  /** Strength of the signal; 1 when absent; 0 records an exposure that teaches nothing. */
  weight?: number;
}

/** One recommended item, best first in a list. */
export interface Recommendation {
  item: string;
  score: number;
  /** `model` when the item model ranked it, `popularity` when it came from the fallback. */
  source: 'model' | 'popularity';
}
