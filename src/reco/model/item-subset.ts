import type { InteractionStore } from './interaction-store.js';

/** A sparse user row as parallel index/value arrays. */
export interface SparseRow {
  idx: number[];
  val: number[];
}

/**
 * The items an item model covers, numbered 0..size-1 ("slots"), and the way to and from the
 * store's item numbering. The model's matrix is size², so past a limit only the items most users
 * hold get a slot; the rest are served by popularity.
 */
export class ItemSubset {
  private constructor(
    /** storeIndex[slot] = the store's index of the item in that slot. */
    private readonly storeIndex: Int32Array,
    /** slots[storeIdx] = the item's slot, or -1; items newer than the subset have none. */
    private readonly slots: Int32Array,
  ) {}

  /** Every item of the store, slot = store index, when they fit; else the `max` most held. */
  static of(store: InteractionStore, max: number): ItemSubset {
    const total = store.items.size;
    let chosen: number[] = Array.from({ length: total }, (_, i) => i);
    if (total > max) {
      chosen.sort((a, b) => store.holderCount(b) - store.holderCount(a) || a - b);
      chosen = chosen.slice(0, max).sort((a, b) => a - b);
    }
    const slots = new Int32Array(total).fill(-1);
    chosen.forEach((item, slot) => (slots[item] = slot));
    return new ItemSubset(Int32Array.from(chosen), slots);
  }

  get size(): number {
    return this.storeIndex.length;
  }

  slotOf(item: number): number {
    return item < this.slots.length ? this.slots[item]! : -1;
  }

  itemAt(slot: number): number {
    return this.storeIndex[slot]!;
  }

  /** The part of a row (store numbering) over this subset, in slot numbering. */
  restrict(row: ReadonlyMap<number, number>): SparseRow {
    const idx: number[] = [];
    const val: number[] = [];
    for (const [item, v] of row) {
      const slot = this.slotOf(item);
      if (slot >= 0) {
        idx.push(slot);
        val.push(v);
      }
    }
    return { idx, val };
  }

  /** Whether any item of the row has a slot. */
  coversAny(row: ReadonlyMap<number, number>): boolean {
    for (const item of row.keys()) if (this.slotOf(item) >= 0) return true;
    return false;
  }
}
