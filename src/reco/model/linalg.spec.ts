import { describe, expect, it } from 'vitest';
import { invertSpd, woodburySym } from './linalg.js';

/** A random SPD matrix: MᵀM + n·I. */
function spd(n: number, seed = 1): Float64Array {
  const m = Array.from({ length: n * n }, (_, i) => Math.sin((i + 1) * seed * 12.9898) % 1);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += m[k * n + i]! * m[k * n + j]!;
      a[i * n + j] = s + (i === j ? n : 0);
    }
  return a;
}

function maxOffIdentity(a: Float64Array, inv: Float64Array, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k]! * inv[k * n + j]!;
      worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
    }
  return worst;
}

describe('invertSpd', () => {
  it('inverts a symmetric positive-definite matrix', () => {
    const n = 37;
    const a = spd(n);
    const inv = invertSpd(a.slice(), n);
    expect(maxOffIdentity(a, inv, n)).toBeLessThan(1e-10);
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(() => invertSpd(new Float64Array([1, 2, 2, 1]), 2)).toThrow(/positive definite/);
  });
});

describe('woodburySym', () => {
  it('turns inv(A) into inv(A + a·aᵀ − b·bᵀ + 0.3·e9·e9ᵀ) in one pass', () => {
    const n = 15;
    const a = spd(n, 4);
    const p = invertSpd(a.slice(), n);
    // a user row before (b) and after (a) gaining item 9
    const before = { idx: [1, 4], val: [1, 1] };
    const after = { idx: [1, 4, 9], val: [1, 1, 1] };
    const target = a.slice();
    const diag = { idx: [9], val: [1] };
    for (const [v, s] of [[after, 1], [before, -1], [diag, 0.3]] as const)
      for (let x = 0; x < v.idx.length; x++)
        for (let y = 0; y < v.idx.length; y++) target[v.idx[x]! * n + v.idx[y]!]! += s * v.val[x]! * v.val[y]!;
    expect(woodburySym(p, n, [{ ...after, coef: 1 }, { ...before, coef: -1 }, { ...diag, coef: 0.3 }])).toBe(true);
    expect(maxOffIdentity(target, p, n)).toBeLessThan(1e-10);
  });
});
