/**
 * Dense float64 linear algebra for the sample-quality metrics: symmetric matrices are row-major
 * `Float64Array`s of length d·d.
 *
 * The general decompositions come from ml-matrix (a maintained package): {@link symmetricEigen}. Two small
 * routines are written here because ml-matrix lacks them and the Fréchet distance at d = 2048 needs them to
 * finish in seconds rather than minutes (ml-matrix's eigendecomposition alone takes ~40 s at d = 2048):
 *
 * - {@link symmetricEigenvalues}: eigenvalues only (no eigenvectors), Householder tridiagonalisation
 *   (Golub & Van Loan, Matrix Computations, 4th ed., Alg. 8.3.1) followed by the implicit QL iteration with
 *   Wilkinson shifts (the eigenvalue part of EISPACK tql2 / JAMA). About 4/3·d³ flops instead of the ~9·d³
 *   of a decomposition that accumulates eigenvectors.
 * - {@link pivotedCholesky}: rank-revealing Cholesky with diagonal pivoting (LAPACK dpstrf's algorithm,
 *   left-looking), so a positive semi-definite covariance (N < d, dead features) factors as G·Gᵀ with G of
 *   rank r ≤ d.
 *
 * Both are checked against ml-matrix and numpy in the tests.
 *
 * @module
 */
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from "ml-matrix";

/** Eigenvalues and eigenvectors of a symmetric matrix (ml-matrix's tred2/tql2). */
export interface SymmetricEigen {
  /** Eigenvalues in ascending order. */
  values: Float64Array;
  /** Eigenvectors as columns, row-major d×d: `vectors[i*d + j]` is component i of eigenvector j. */
  vectors: Float64Array;
}

/** Full symmetric eigendecomposition through ml-matrix (`assumeSymmetric: true`). */
export function symmetricEigen(a: Float64Array, d: number): SymmetricEigen {
  const m = toMatrix(a, d);
  const e = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const values = Float64Array.from(e.realEigenvalues);
  const v = e.eigenvectorMatrix;
  const vectors = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    const row = v.getRow(i);
    for (let j = 0; j < d; j++) vectors[i * d + j] = row[j];
  }
  return { values, vectors };
}

/** Copy a row-major d×d array into an ml-matrix Matrix. */
export function toMatrix(a: Float64Array, d: number): Matrix {
  const rows: number[][] = new Array(d);
  for (let i = 0; i < d; i++) rows[i] = Array.from(a.subarray(i * d, (i + 1) * d));
  return new Matrix(rows);
}

/** Copy an ml-matrix Matrix (d×d) into a row-major Float64Array. */
export function fromMatrix(m: Matrix): Float64Array {
  const d = m.rows, c = m.columns;
  const out = new Float64Array(d * c);
  for (let i = 0; i < d; i++) {
    const row = m.getRow(i);
    for (let j = 0; j < c; j++) out[i * c + j] = row[j];
  }
  return out;
}

/** Largest |a_ij − a_ji| relative to the largest |a_ij| (0 for a zero matrix). */
export function asymmetry(a: Float64Array, d: number): number {
  let worst = 0, scale = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const v = Math.abs(a[i * d + j]);
      if (v > scale) scale = v;
      if (j > i) {
        const diff = Math.abs(a[i * d + j] - a[j * d + i]);
        if (diff > worst) worst = diff;
      }
    }
  }
  return scale === 0 ? 0 : worst / scale;
}

/** (A + Aᵀ)/2 in place. */
export function symmetrizeInPlace(a: Float64Array, d: number): void {
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const v = 0.5 * (a[i * d + j] + a[j * d + i]);
      a[i * d + j] = v;
      a[j * d + i] = v;
    }
  }
}

/** Trace of a row-major d×d matrix. */
export function trace(a: Float64Array, d: number): number {
  let t = 0;
  for (let i = 0; i < d; i++) t += a[i * d + i];
  return t;
}

/** Rows of A per block in {@link gemm} and {@link gramTransposed} (keeps the block in cache). */
const ROW_BLOCK = 16;

/**
 * C = A·B with A r×n and B n×m, row-major. Rows of A are processed in blocks so each row of B is read
 * once per block rather than once per row (the product is memory-bound in JS otherwise). Zero entries of
 * A are skipped (triangular factors).
 */
export function gemm(a: Float64Array, r: number, n: number, b: Float64Array, m: number): Float64Array {
  const c = new Float64Array(r * m);
  for (let i0 = 0; i0 < r; i0 += ROW_BLOCK) {
    const i1 = Math.min(i0 + ROW_BLOCK, r);
    for (let k = 0; k < n; k++) {
      const bk = k * m;
      for (let i = i0; i < i1; i++) {
        const aik = a[i * n + k];
        if (aik === 0) continue;
        const ci = i * m;
        for (let j = 0; j < m; j++) c[ci + j] += aik * b[bk + j];
      }
    }
  }
  return c;
}

/** C = A·B for row-major d×d matrices. */
export function matmul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  return gemm(a, d, d, b, d);
}

/**
 * S = W·Gᵀ for W, G r×n row-major, assumed symmetric (computes l ≤ k and mirrors), blocked. With
 * `upperRows`, row l of G is known to be zero before column l (rows of a Cholesky factor's transpose).
 */
export function gramTransposed(
  w: Float64Array,
  g: Float64Array,
  r: number,
  n: number,
  upperRows = false,
): Float64Array {
  const out = new Float64Array(r * r);
  for (let k0 = 0; k0 < r; k0 += ROW_BLOCK) {
    const k1 = Math.min(k0 + ROW_BLOCK, r);
    for (let l0 = 0; l0 <= k0; l0 += ROW_BLOCK) {
      const l1 = Math.min(l0 + ROW_BLOCK, r);
      for (let k = k0; k < k1; k++) {
        const wk = k * n;
        for (let l = l0; l < l1 && l <= k; l++) {
          const gl = l * n;
          let s0 = 0, s1 = 0;
          let j = upperRows ? l : 0;
          for (; j + 1 < n; j += 2) {
            s0 += w[wk + j] * g[gl + j];
            s1 += w[wk + j + 1] * g[gl + j + 1];
          }
          if (j < n) s0 += w[wk + j] * g[gl + j];
          out[k * r + l] = s0 + s1;
          out[l * r + k] = s0 + s1;
        }
      }
    }
  }
  return out;
}

/**
 * Eigenvalues (ascending) of a symmetric d×d matrix, without eigenvectors. Only the lower triangle of `a`
 * is read; `a` is not modified.
 *
 * Householder reduction to tridiagonal form (Golub & Van Loan Alg. 8.3.1, working on the lower triangle),
 * then implicit QL with Wilkinson shifts on the tridiagonal (EISPACK tql1). Throws if the QL iteration does
 * not converge (never observed; the caller may fall back to ml-matrix).
 */
export function symmetricEigenvalues(a: Float64Array, d: number): Float64Array {
  const diag = new Float64Array(d);
  const off = new Float64Array(d); // off[i] = T[i+1][i], i = 0..d-2
  if (d === 0) return diag;
  // Working copy of the lower triangle, packed row-major (row i holds columns 0..i).
  const rowStart = new Int32Array(d);
  for (let i = 0, s = 0; i < d; i++) {
    rowStart[i] = s;
    s += i + 1;
  }
  const L = new Float64Array((d * (d + 1)) / 2);
  for (let i = 0; i < d; i++) L.set(a.subarray(i * d, i * d + i + 1), rowStart[i]);
  const at = (i: number, j: number) => (i >= j ? L[rowStart[i] + j] : L[rowStart[j] + i]);

  const v = new Float64Array(d);
  const p = new Float64Array(d);
  for (let k = 0; k < d - 2; k++) {
    // x = A[k+1.., k] (column k below the diagonal = row entries L[i][k], i > k).
    let sigma = 0;
    for (let i = k + 2; i < d; i++) {
      const x = L[rowStart[i] + k];
      sigma += x * x;
    }
    const x0 = L[rowStart[k + 1] + k];
    diag[k] = L[rowStart[k] + k];
    if (sigma === 0) {
      off[k] = x0;
      continue;
    }
    const mu = Math.sqrt(x0 * x0 + sigma);
    // v = x - alpha e1 with alpha = -sign(x0)·mu (no cancellation); beta = 2 / vᵀv.
    const alpha = x0 >= 0 ? -mu : mu;
    v[k + 1] = x0 - alpha;
    for (let i = k + 2; i < d; i++) v[i] = L[rowStart[i] + k];
    const vtv = v[k + 1] * v[k + 1] + sigma;
    const beta = 2 / vtv;
    off[k] = alpha;
    // p = beta · A' v over the trailing block (symmetric product from the lower triangle).
    for (let i = k + 1; i < d; i++) p[i] = 0;
    for (let i = k + 1; i < d; i++) {
      const r = rowStart[i];
      const vi = v[i];
      let s = 0;
      for (let j = k + 1; j < i; j++) {
        const aij = L[r + j];
        s += aij * v[j];
        p[j] += aij * vi;
      }
      p[i] += s + L[r + i] * vi;
    }
    let ptv = 0;
    for (let i = k + 1; i < d; i++) {
      p[i] *= beta;
      ptv += p[i] * v[i];
    }
    // w = p - (beta pᵀv / 2) v, stored in p; A' -= v wᵀ + w vᵀ (lower triangle).
    const c = 0.5 * beta * ptv;
    for (let i = k + 1; i < d; i++) p[i] -= c * v[i];
    for (let i = k + 1; i < d; i++) {
      const r = rowStart[i];
      const vi = v[i], wi = p[i];
      for (let j = k + 1; j <= i; j++) L[r + j] -= vi * p[j] + wi * v[j];
    }
  }
  if (d >= 2) {
    diag[d - 2] = at(d - 2, d - 2);
    off[d - 2] = at(d - 1, d - 2);
  }
  diag[d - 1] = at(d - 1, d - 1);
  tridiagonalEigenvalues(diag, off);
  diag.sort();
  return diag;
}

/**
 * Eigenvalues of the symmetric tridiagonal matrix with diagonal `dg` and sub-diagonal `e` (e[i] couples
 * i and i+1; e[n-1] unused), in place in `dg`. Implicit QL with Wilkinson shifts (EISPACK tql1, as the
 * eigenvalue part of JAMA's tql2).
 */
export function tridiagonalEigenvalues(dg: Float64Array, e: Float64Array): void {
  const n = dg.length;
  if (n === 0) return;
  e[n - 1] = 0;
  let f = 0, tst1 = 0;
  const eps = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(dg[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60 * n + 100) throw new Error("tridiagonalEigenvalues: QL iteration did not converge");
        let g = dg[l];
        let p = (dg[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        dg[l] = e[l] / (p + r);
        dg[l + 1] = e[l] * (p + r);
        const dl1 = dg[l + 1];
        let h = g - dg[l];
        for (let i = l + 2; i < n; i++) dg[i] -= h;
        f += h;
        p = dg[m];
        let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const el1 = e[l + 1];
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * dg[i] - s * g;
          dg[i + 1] = h + s * (c * g + s * dg[i]);
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        dg[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    dg[l] = dg[l] + f;
    e[l] = 0;
  }
}

/** Result of {@link pivotedCholesky}: A ≈ Σ_k g_k g_kᵀ over the r = rank columns. */
export interface PivotedCholesky {
  /** Numerical rank r. */
  rank: number;
  /** Columns of G as rows: r×d row-major; `g[k*d + i]` = G[i][k]. */
  g: Float64Array;
  /** Largest remaining Schur-complement diagonal when the factorisation stopped (0 if full rank). */
  residual: number;
  /** Stopping tolerance used. */
  tol: number;
}

/**
 * Cholesky factorisation with diagonal pivoting of a symmetric positive semi-definite d×d matrix:
 * A = G·Gᵀ with G d×r, stopping when every remaining Schur-complement diagonal is ≤ tol (default
 * d·ε·max diag(A), LAPACK dpstrf's default). Works in the original index space (no permutation is
 * returned: G's columns are in pivot order, each with zeros at earlier pivots).
 * Throws if a diagonal entry of A is negative beyond tol (A is not PSD).
 */
export function pivotedCholesky(a: Float64Array, d: number, tol?: number): PivotedCholesky {
  const diagRem = new Float64Array(d);
  let maxDiag = 0;
  for (let i = 0; i < d; i++) {
    diagRem[i] = a[i * d + i];
    if (diagRem[i] > maxDiag) maxDiag = diagRem[i];
  }
  const tolUsed = tol ?? d * Number.EPSILON * maxDiag;
  for (let i = 0; i < d; i++) {
    if (diagRem[i] < -Math.max(tolUsed, 0)) {
      throw new RangeError(`pivotedCholesky: diagonal entry ${i} is ${diagRem[i]} < 0; not PSD`);
    }
  }
  const done = new Uint8Array(d);
  const cols: Float64Array[] = [];
  const pivots: number[] = [];
  let residual = 0;
  for (let k = 0; k < d; k++) {
    let pv = -1, best = -Infinity;
    for (let i = 0; i < d; i++) {
      if (!done[i] && diagRem[i] > best) {
        best = diagRem[i];
        pv = i;
      }
    }
    if (pv < 0 || !(best > tolUsed)) {
      residual = pv < 0 ? 0 : Math.max(best, 0);
      break;
    }
    // Column k: (A[:, pv] − Σ_j g_j g_j[pv]) / sqrt(diagRem[pv]).
    const col = Float64Array.from(a.subarray(pv * d, (pv + 1) * d));
    for (let j = 0; j < cols.length; j++) {
      const gj = cols[j];
      const s = gj[pv];
      if (s === 0) continue;
      for (let i = 0; i < d; i++) col[i] -= s * gj[i];
    }
    const piv = Math.sqrt(best);
    for (let i = 0; i < d; i++) col[i] = done[i] ? 0 : col[i] / piv;
    col[pv] = piv;
    done[pv] = 1;
    for (let i = 0; i < d; i++) if (!done[i]) diagRem[i] -= col[i] * col[i];
    cols.push(col);
    pivots.push(pv);
  }
  const r = cols.length;
  const g = new Float64Array(r * d);
  for (let k = 0; k < r; k++) g.set(cols[k], k * d);
  return { rank: r, g, residual, tol: tolUsed };
}

/**
 * A = G·Gᵀ: ml-matrix's Cholesky decomposition when A is positive definite (fast, row-oriented), else
 * {@link pivotedCholesky} (rank-revealing, for singular PSD A). G is returned as rows (`g[k*d + i]` =
 * G[i][k]); `rank` = d on the first route.
 */
export function choleskyFactor(a: Float64Array, d: number): PivotedCholesky & { pivoted: boolean } {
  const ch = new CholeskyDecomposition(toMatrix(a, d));
  if (ch.isPositiveDefinite()) {
    const L = ch.lowerTriangularMatrix;
    const g = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      const row = L.getRow(i);
      for (let k = 0; k <= i; k++) g[k * d + i] = row[k];
    }
    if (g.every(Number.isFinite)) return { rank: d, g, residual: 0, tol: 0, pivoted: false };
  }
  return { ...pivotedCholesky(a, d), pivoted: true };
}

/**
 * M = Gᵀ·B·G (r×r, symmetric) for G given as r rows of length d (see {@link PivotedCholesky}) and a
 * symmetric d×d B: W = (rows of G)·B, then M = W·(rows of G)ᵀ, both blocked. `upperRows`: G's row k is
 * zero before column k (the non-pivoted Cholesky factor), which halves the second product.
 */
export function congruence(
  g: Float64Array,
  r: number,
  b: Float64Array,
  d: number,
  upperRows = false,
): Float64Array {
  return gramTransposed(gemm(g, r, d, b, d), g, r, d, upperRows);
}
