import type { LabelEvent } from '../types.js';

/**
 * Labels waiting for their `availableAt`: a binary min-heap, so labels may be handed in out of
 * order (a replay announces each label the moment its transaction is seen) and still come out
 * exactly when they may be used.
 */
export class PendingLabels {
  private heap: LabelEvent[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(label: LabelEvent): void {
    const heap = this.heap;
    heap.push(label);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.availableAt <= heap[i]!.availableAt) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  /** Removes and returns, oldest first, every label available at or before `now`. */
  *releaseUntil(now: number): Generator<LabelEvent> {
    while (this.heap.length > 0 && this.heap[0]!.availableAt <= now) yield this.pop();
  }

  toArray(): LabelEvent[] {
    return [...this.heap].sort((a, b) => a.availableAt - b.availableAt);
  }

  private pop(): LabelEvent {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let min = i;
        if (l < heap.length && heap[l]!.availableAt < heap[min]!.availableAt) min = l;
        if (r < heap.length && heap[r]!.availableAt < heap[min]!.availableAt) min = r;
        if (min === i) break;
        [heap[min], heap[i]] = [heap[i]!, heap[min]!];
        i = min;
      }
    }
    return top;
  }
}
