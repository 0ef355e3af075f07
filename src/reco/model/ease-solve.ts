import type { SparseRow } from './item-subset.js';
import { invertSpd } from './linalg.js';

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
 * Users' rows in slot numbering, packed into three typed arrays (row u holds entries
 * start[u]..start[u+1]-1), so a fit's input crosses to a worker thread without a copy.
 */
export interface PackedRows {
  start: Int32Array<ArrayBuffer>;
  idx: Int32Array<ArrayBuffer>;
  val: Float64Array<ArrayBuffer>;
}

/** What a fit computes: P = (XᵀX + Λ)⁻¹, and p/(1−p), how much of a change in G_jj the penalty follows. */
export interface EaseSolution {
  p: Float64Array<ArrayBuffer>;
  dropoutRatio: number;
}

export function packRows(rows: readonly SparseRow[]): PackedRows {
  const start = new Int32Array(rows.length + 1);
  rows.forEach((r, u) => (start[u + 1] = start[u]! + r.idx.length));
  const idx = new Int32Array(start[rows.length]!);
  const val = new Float64Array(idx.length);
  rows.forEach((r, u) => {
    idx.set(r.idx, start[u]!);
    val.set(r.val, start[u]!);
  });
  return { start, idx, val };
}

/** Solve EASE over n items, blocking: O(n³), seconds at a few thousand items. */
export function solveEase(n: number, rows: PackedRows, reg: EaseRegularisation): EaseSolution {
  const { l2, dropout } = reg;
  if (!(l2 > 0)) throw new RangeError(`l2 must be positive, got ${l2}`);
  if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`dropout must be in [0, 1), got ${dropout}`);
  const dropoutRatio = dropout / (1 - dropout);
  const { start, idx, val } = rows;
  const g = new Float64Array(n * n);
  for (let u = 0; u + 1 < start.length; u++) {
    for (let a = start[u]!; a < start[u + 1]!; a++) {
      const base = idx[a]! * n;
      const va = val[a]!;
      for (let b = start[u]!; b < start[u + 1]!; b++) g[base + idx[b]!]! += va * val[b]!;
    }
  }
  for (let i = 0; i < n; i++) g[i * n + i]! += l2 + dropoutRatio * g[i * n + i]!;
  invertSpd(g, n); // in place
  return { p: g, dropoutRatio };
}
