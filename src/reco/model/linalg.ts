/**
 * Dense linear algebra the item model needs, on row-major Float64Array matrices.
 * Catalogues here are a few thousand items: an O(n³) inverse in plain JS takes seconds, so a
 * background refit runs it on a worker thread (`solve-in-worker.ts`).
 * Inner loops work on contiguous rows (subarray views), which V8 runs several times faster
 * than strided access.
 */

/** Row i of a row-major n×n matrix, as a view. */
function row(a: Float64Array, n: number, i: number): Float64Array {
  return a.subarray(i * n, i * n + n);
}

/** Lower Cholesky factor of row j, given rows 0..j-1 done (A = L Lᵀ, L in the lower triangle). */
function choleskyColumn(a: Float64Array, n: number, j: number): void {
  const rj = row(a, n, j);
  let d = rj[j]!;
  for (let k = 0; k < j; k++) d -= rj[k]! * rj[k]!;
  if (!(d > 0)) throw new Error(`matrix is not positive definite (pivot ${j} = ${d})`);
  d = Math.sqrt(d);
  rj[j] = d;
  const inv = 1 / d;
  for (let i = j + 1; i < n; i++) {
    const ri = row(a, n, i);
    let s = ri[j]!;
    for (let k = 0; k < j; k++) s -= ri[k]! * rj[k]!;
    ri[j] = s * inv;
  }
}

/**
 * Turn row i of L into row i of W = L⁻¹ (both lower, in place), given rows 0..i-1 already hold W:
 * W_i = (e_i − Σ_k L_ik W_k) / L_ii. `li` receives a copy of L's row first.
 */
function inverseLowerRow(a: Float64Array, n: number, i: number, li: Float64Array): void {
  const wi = row(a, n, i);
  li.set(wi.subarray(0, i + 1));
  wi.fill(0, 0, i + 1);
  wi[i] = 1;
  for (let k = 0; k < i; k++) {
    const f = li[k]!;
    if (f === 0) continue;
    const wk = row(a, n, k);
    for (let j = 0; j <= k; j++) wi[j]! -= f * wk[j]!;
  }
  const inv = 1 / li[i]!;
  for (let j = 0; j <= i; j++) wi[j]! *= inv;
}

/**
 * Turn row r of W into row r of P = WᵀW (lower part, in place): P_rb = Σ_{i ≥ r} W_ir W_ib.
 * Only rows i ≥ r are read, so rows are done in increasing order; `acc` is scratch.
 */
function gramOfInverseRow(a: Float64Array, n: number, r: number, acc: Float64Array): void {
  acc.fill(0, 0, r + 1);
  for (let i = r; i < n; i++) {
    const wi = row(a, n, i);
    const f = wi[r]!;
    if (f === 0) continue;
    for (let b = 0; b <= r; b++) acc[b]! += f * wi[b]!;
  }
  row(a, n, r).set(acc.subarray(0, r + 1));
}

/**
 * Invert a symmetric positive-definite n×n matrix in place: Cholesky A = L Lᵀ, W = L⁻¹,
 * A⁻¹ = Wᵀ W (about 2n³/3 multiply-adds), all in the lower triangle, then mirrored; only two
 * scratch rows besides the matrix.
 */
export function invertSpd(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new Error(`matrix has ${a.length} cells, expected ${n}x${n}`);
  for (let j = 0; j < n; j++) choleskyColumn(a, n, j);
  const scratch = new Float64Array(n);
  for (let i = 0; i < n; i++) inverseLowerRow(a, n, i, scratch);
  for (let r = 0; r < n; r++) gramOfInverseRow(a, n, r, scratch);
  for (let i = 0; i < n; i++) {
    const ri = row(a, n, i);
    for (let j = 0; j < i; j++) a[j * n + i] = ri[j]!;
  }
  return a;
}

/** u = P v for a sparse v, P row-major n×n symmetric. */
function multiplySparse(p: Float64Array, n: number, idx: readonly number[], val: readonly number[]): Float64Array {
  const u = new Float64Array(n);
  for (let t = 0; t < idx.length; t++) {
    const pr = row(p, n, idx[t]!);
    const w = val[t]!;
    for (let j = 0; j < n; j++) u[j]! += w * pr[j]!;
  }
  return u;
}

function dotSparse(idx: readonly number[], val: readonly number[], dense: Float64Array): number {
  let s = 0;
  for (let t = 0; t < idx.length; t++) s += val[t]! * dense[idx[t]!]!;
  return s;
}

/** One term c·v·vᵀ of a low-rank change, v sparse. */
export interface RankOneTerm {
  idx: readonly number[];
  val: readonly number[];
  coef: number;
}

/** Invert a small dense k×k matrix (row-major) by Gauss-Jordan with partial pivoting; undefined if singular. */
function invertSmall(m: number[], k: number): number[] | undefined {
  const a = m.slice();
  const inv = Array.from({ length: k * k }, (_, i): number => (i % (k + 1) === 0 ? 1 : 0));
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r * k + c]!) > Math.abs(a[piv * k + c]!)) piv = r;
    if (!(Math.abs(a[piv * k + c]!) > 1e-12)) return undefined;
    for (let j = 0; j < k; j++) {
      [a[c * k + j], a[piv * k + j]] = [a[piv * k + j]!, a[c * k + j]!];
      [inv[c * k + j], inv[piv * k + j]] = [inv[piv * k + j]!, inv[c * k + j]!];
    }
    const d = 1 / a[c * k + c]!;
    for (let j = 0; j < k; j++) {
      a[c * k + j]! *= d;
      inv[c * k + j]! *= d;
    }
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = a[r * k + c]!;
      for (let j = 0; j < k; j++) {
        a[r * k + j]! -= f * a[c * k + j]!;
        inv[r * k + j]! -= f * inv[c * k + j]!;
      }
    }
  }
  return inv;
}

/** r −= Σ_t z_t·y_t in one sweep over r (the common ranks fused, so r is read and written once). */
function subtractCombination(r: Float64Array, z: Float64Array, y: readonly Float64Array[]): void {
  const n = r.length;
  if (y.length === 2) {
    const [z0, z1] = [z[0]!, z[1]!];
    const [y0, y1] = [y[0]!, y[1]!];
    for (let j = 0; j < n; j++) r[j]! -= z0 * y0[j]! + z1 * y1[j]!;
    return;
  }
  if (y.length === 3) {
    const [z0, z1, z2] = [z[0]!, z[1]!, z[2]!];
    const [y0, y1, y2] = [y[0]!, y[1]!, y[2]!];
    for (let j = 0; j < n; j++) r[j]! -= z0 * y0[j]! + z1 * y1[j]! + z2 * y2[j]!;
    return;
  }
  for (let t = 0; t < y.length; t++) {
    const zt = z[t]!;
    const yt = y[t]!;
    for (let j = 0; j < n; j++) r[j]! -= zt * yt[j]!;
  }
}

/**
 * Woodbury update of a symmetric inverse in place: given P = A⁻¹, make it (A + Σ c_t·v_t·v_tᵀ)⁻¹
 * for a few sparse v_t, in one pass over P (the matrix is tens of MB, so the pass, not the
 * arithmetic, is the cost). With Y = P·V and M = diag(1/c) + VᵀY: P ← P − Y M⁻¹ Yᵀ.
 * Returns false, leaving P untouched, when M is singular.
 */
export function woodburySym(p: Float64Array, n: number, terms: readonly RankOneTerm[]): boolean {
  const used = terms.filter((t) => t.coef !== 0 && t.idx.length > 0);
  const k = used.length;
  if (k === 0) return true;
  const y = used.map((t) => multiplySparse(p, n, t.idx, t.val));
  const m: number[] = [];
  for (let s = 0; s < k; s++)
    for (let t = 0; t < k; t++) m.push((s === t ? 1 / used[s]!.coef : 0) + dotSparse(used[s]!.idx, used[s]!.val, y[t]!));
  const mInv = invertSmall(m, k);
  if (!mInv) return false;
  const z = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    // z = row i of Y·M⁻¹
    let any = false;
    for (let t = 0; t < k; t++) {
      let v = 0;
      for (let s = 0; s < k; s++) v += y[s]![i]! * mInv[s * k + t]!;
      z[t] = v;
      any ||= v !== 0;
    }
    if (!any) continue;
    subtractCombination(row(p, n, i), z, y);
  }
  return true;
}
