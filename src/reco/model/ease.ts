import type { InteractionStore } from './interaction-store.js';
import { ItemSubset, type SparseRow } from './item-subset.js';
import { invertSpdSteps, woodburySym, type RankOneTerm } from './linalg.js';

/**
 * Regularisation of the item model: λ on every item, plus (dropout > 0) a penalty proportional
 * to each item's own weight G_jj, the closed form of training with input dropout p
 * (DLAE, Steck, "Autoencoders that don't overfit towards the identity", NeurIPS 2020):
 * Λ = λ + p/(1−p)·diag(XᵀX).
 */
export interface EaseRegularisation {
  l2: number;
  dropout: number;
}

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

  /** The store's rows over (at most `maxItems` of) its items, copied so a sliced fit sees fixed data. */
  static snapshot(store: InteractionStore, maxItems: number): ModelData {
    const items = ItemSubset.of(store, maxItems);
    const rows: SparseRow[] = [];
    for (const r of store.allRows()) rows.push(items.restrict(r));
    return { items, rows };
  }

  get n(): number {
    return this.items.size;
  }

  /**
   * Fit in steps (one user row of XᵀX, or one row of the inversion, per step); the generator's
   * return value is the model. Callers decide how many steps to run between pauses.
   */
  static *fitSteps(data: ModelData, reg: EaseRegularisation): Generator<void, EaseModel, void> {
    const { l2, dropout } = reg;
    if (!(l2 > 0)) throw new RangeError(`l2 must be positive, got ${l2}`);
    if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`dropout must be in [0, 1), got ${dropout}`);
    const ratio = dropout / (1 - dropout);
    const { items, rows } = data;
    const n = items.size;
    const g = new Float64Array(n * n);
    for (const { idx, val } of rows) {
      for (let a = 0; a < idx.length; a++) {
        const base = idx[a]! * n;
        const va = val[a]!;
        for (let b = 0; b < idx.length; b++) g[base + idx[b]!]! += va * val[b]!;
      }
      yield;
    }
    for (let i = 0; i < n; i++) g[i * n + i]! += l2 + ratio * g[i * n + i]!;
    yield* invertSpdSteps(g, n);
    return new EaseModel(items, g, ratio);
  }

  /** Fit at once, blocking. */
  static fit(store: InteractionStore, reg: EaseRegularisation, maxItems = Number.MAX_SAFE_INTEGER): EaseModel {
    const steps = EaseModel.fitSteps(EaseModel.snapshot(store, maxItems), reg);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
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
  rows: readonly SparseRow[];
}
