import { packRows, solveEase, type EaseRegularisation, type EaseSolution, type PackedRows } from './ease-solve.js';
import type { InteractionStore } from './interaction-store.js';
import { ItemSubset, type SparseRow } from './item-subset.js';
import { woodburySym, type RankOneTerm } from './linalg.js';

/**
 * EASE (Steck, "Embarrassingly Shallow Autoencoders", WWW 2019): a linear item-item model
 * B = argmin ‖X − XB‖² + ‖Λ^½B‖² with diag(B) = 0, whose closed form is B = I − P·diag(1/diag P)
 * for P = (XᵀX + Λ)⁻¹. Only P is kept: a user's score for item j is x_j − (xP)_j / P_jj, so a
 * new interaction moves the scores as soon as it is in x, and P itself can follow new events
 * through a low-rank (Woodbury) update until the next full refit.
 */
export class EaseModel {
  private constructor(
    /** The items the model covers; P is indexed by their slots. */
    readonly items: ItemSubset,
    private readonly p: Float64Array,
    /** p/(1−p): how much of a change in G_jj the regulariser follows. */
    private readonly dropoutRatio: number,
  ) {}

  /** The store's rows over (at most `maxItems` of) its items, copied so a background fit sees fixed data. */
  static snapshot(store: InteractionStore, maxItems: number): ModelData {
    const items = ItemSubset.of(store, maxItems);
    const rows: SparseRow[] = [];
    for (const r of store.allRows()) rows.push(items.restrict(r));
    return { items, rows: packRows(rows) };
  }

  /** The model over `items` from a solution computed elsewhere (a worker thread). */
  static fromSolution(items: ItemSubset, { p, dropoutRatio }: EaseSolution): EaseModel {
    if (p.length !== items.size * items.size) throw new Error(`solution has ${p.length} cells, expected ${items.size}²`);
    return new EaseModel(items, p, dropoutRatio);
  }

  get n(): number {
    return this.items.size;
  }

  /** Fit at once, blocking. */
  static fit(store: InteractionStore, reg: EaseRegularisation, maxItems = Number.MAX_SAFE_INTEGER): EaseModel {
    const { items, rows } = EaseModel.snapshot(store, maxItems);
    return EaseModel.fromSolution(items, solveEase(items.size, rows, reg));
  }

  /**
   * Scores by slot for a user profile (store item → weight: the user's row, or a recency-weighted
   * copy). Slots of items in the profile get x_j added; callers exclude them.
   */
  scores(profile: ReadonlyMap<number, number>, out = new Float64Array(this.n)): Float64Array {
    const n = this.n;
    const x = this.items.restrict(profile);
    out.fill(0);
    for (let t = 0; t < x.idx.length; t++) {
      const slot = x.idx[t]!;
      const w = x.val[t]!;
      const pr = this.p.subarray(slot * n, slot * n + n);
      for (let j = 0; j < n; j++) out[j]! += w * pr[j]!;
    }
    for (let j = 0; j < n; j++) out[j] = -out[j]! / this.p[j * n + j]!;
    for (let t = 0; t < x.idx.length; t++) out[x.idx[t]!]! += x.val[t]!;
    return out;
  }

  /**
   * Follow one user's row (slot numbering) changing from `before` to `after`: XᵀX gains after·afterᵀ − before·beforeᵀ
   * (and Λ follows the items whose G_jj moved), a change of rank two or three applied to P in one
   * O(n²) pass. False if numerically refused (P is then unchanged and the next refit catches up).
   */
  foldIn(before: SparseRow, after: SparseRow): boolean {
    const terms: RankOneTerm[] = [
      { ...after, coef: 1 },
      { ...before, coef: -1 },
    ];
    if (this.dropoutRatio > 0) {
      const old = new Map(before.idx.map((i, t) => [i, before.val[t]!]));
      const seen = new Set<number>();
      after.idx.forEach((i, t) => {
        seen.add(i);
        const delta = after.val[t]! ** 2 - (old.get(i) ?? 0) ** 2;
        if (delta !== 0) terms.push({ idx: [i], val: [1], coef: this.dropoutRatio * delta });
      });
      for (const [i, v] of old) if (!seen.has(i)) terms.push({ idx: [i], val: [1], coef: -this.dropoutRatio * v * v });
    }
    return woodburySym(this.p, this.n, terms);
  }
}

/** What a fit reads: the covered items and every user's row over them, in slot numbering. */
export interface ModelData {
  items: ItemSubset;
  rows: PackedRows;
}
