import type { InteractionStore } from './interaction-store.js';
import { topK } from './top-k.js';

/**
 * Most-popular ranking (items by number of distinct users): the fallback for users the item
 * model knows nothing about, and the baseline every evaluation reports beside the model.
 */
export class PopularityRanker {
  private counts = new Float64Array(0);
  private seenEvents = -1;

  constructor(private readonly store: InteractionStore) {}

  /** Item indices, most popular first, skipping excluded ones. */
  top(k: number, exclude: (item: number) => boolean = () => false): number[] {
    this.refresh();
    return topK(this.counts, k, exclude);
  }

  count(item: number): number {
    return this.store.holderCount(item);
  }

  /** Recount only when events arrived since the last request. */
  private refresh(): void {
    if (this.seenEvents === this.store.eventCount) return;
    const n = this.store.items.size;
    if (this.counts.length !== n) this.counts = new Float64Array(n);
    for (let i = 0; i < n; i++) this.counts[i] = this.store.holderCount(i);
    this.seenEvents = this.store.eventCount;
  }
}
