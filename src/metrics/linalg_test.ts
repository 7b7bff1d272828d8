import assert from "node:assert/strict";
import {
  congruence,
  pivotedCholesky,
  symmetricEigen,
  symmetricEigenvalues,
  tridiagonalEigenvalues,
} from "./linalg.ts";
import { rngFor } from "../runtime/rng.ts";

function randomSymmetric(d: number, seed: number): Float64Array {
  const rng = rngFor(seed, "test");
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a[i * d + j] = v;
      a[j * d + i] = v;
    }
  }
  return a;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("symmetricEigenvalues: closed forms (2x2, diagonal, repeated, 1x1)", () => {
  // [[2, 1], [1, 2]] -> 1, 3.
  assert.ok(maxAbsDiff(symmetricEigenvalues(Float64Array.from([2, 1, 1, 2]), 2), [1, 3]) < 1e-15);
  assert.deepEqual([...symmetricEigenvalues(Float64Array.from([5]), 1)], [5]);
  const diag = new Float64Array(16);
  [3, -1, 3, 0].forEach((v, i) => diag[i * 4 + i] = v);
  assert.deepEqual([...symmetricEigenvalues(diag, 4)], [-1, 0, 3, 3]);
  // J (all ones, 5x5): eigenvalues 0 (x4) and 5.
  assert.ok(maxAbsDiff(symmetricEigenvalues(new Float64Array(25).fill(1), 5), [0, 0, 0, 0, 5]) < 1e-14);
  // Tridiagonal with 2 on the diagonal and -1 off it: 2 - 2cos(kπ/(n+1)).
  const n = 7;
  const dg = new Float64Array(n).fill(2), e = new Float64Array(n).fill(-1);
  tridiagonalEigenvalues(dg, e);
  const want = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
  assert.ok(maxAbsDiff(dg.sort(), want) < 1e-14);
});

Deno.test("symmetricEigenvalues agrees with ml-matrix's decomposition on random matrices", () => {
  for (const d of [3, 17, 60]) {
    const a = randomSymmetric(d, d);
    const ours = symmetricEigenvalues(a, d);
    const ref = Float64Array.from(symmetricEigen(a, d).values).sort();
    assert.ok(maxAbsDiff(ours, ref) < 1e-12 * d, `d=${d}`);
  }
});

Deno.test("pivotedCholesky: G Gᵀ reproduces a PSD matrix of rank 3 in d = 6", () => {
  const rng = rngFor(4, "test");
  const d = 6, r = 3;
  const f = Array.from({ length: d * r }, () => rng.normal());
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) for (let k = 0; k < r; k++) a[i * d + j] += f[i * r + k] * f[j * r + k];
  }
  const c = pivotedCholesky(a, d);
  assert.equal(c.rank, 3);
  const back = new Float64Array(d * d);
  for (let k = 0; k < c.rank; k++) {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) back[i * d + j] += c.g[k * d + i] * c.g[k * d + j];
    }
  }
  assert.ok(maxAbsDiff(back, a) < 1e-12);
  // Gᵀ I G has the nonzero eigenvalues of G Gᵀ = A.
  const eye = new Float64Array(d * d);
  for (let i = 0; i < d; i++) eye[i * d + i] = 1;
  const m = congruence(c.g, c.rank, eye, d);
  const nonzero = Float64Array.from(symmetricEigen(a, d).values).sort().slice(d - r);
  assert.ok(maxAbsDiff(symmetricEigenvalues(m, r), nonzero) < 1e-12);
  assert.throws(() => pivotedCholesky(Float64Array.from([1, 0, 0, -1]), 2), /not PSD/);
});
