/**
 * The Fréchet distance's dense linear algebra on OpenBLAS (src/runtime/native/openblas.ts): the covariance
 * as a blocked DSYRK, and the two trace routes of src/metrics/frechet.ts with LAPACK (DSYEVD for symmetric
 * eigenproblems, DPSTRF for the pivoted Cholesky factor) and DGEMM. All float64; the pure-JS routes in
 * linalg.ts remain the fallback and the reference the tests compare against.
 *
 * - eigh: Σ₁ = V Λ Vᵀ; with U = V Λ^{1/2} (the columns of positive λ only), Σ₁^{1/2} Σ₂ Σ₁^{1/2} =
 *   V (Uᵀ Σ₂ U) Vᵀ, so its eigenvalues are those of the r×r matrix Uᵀ Σ₂ U (no square root is formed).
 * - cholesky: Pᵀ Σ₁ P = L Lᵀ over the numerical rank r (DPSTRF, tolerance d·ε·max diag Σ₁ as the JS
 *   route), and λ(Σ₁Σ₂) = λ(L_rᵀ (Pᵀ Σ₂ P) L_r).
 *
 * @module
 */
import { UsageError } from "../runtime/errors.ts";
import { loadOpenBlas, type OpenBlas, openblasLoadFailure } from "../runtime/native/openblas.ts";

/** Which implementation runs the linear algebra: OpenBLAS when it loads ("auto"), OpenBLAS, or pure JS. */
export type LinalgEngine = "auto" | "openblas" | "js";

/** The OpenBLAS binding for `engine`, or null for the JS route; "openblas" without the library is an error. */
export function resolveLinalg(engine: LinalgEngine = "auto"): OpenBlas | null {
  if (engine !== "auto" && engine !== "openblas" && engine !== "js") {
    throw new UsageError(`linalg: got ${JSON.stringify(engine)}; allowed: auto, openblas, js`);
  }
  if (engine === "js") return null;
  const blas = loadOpenBlas();
  if (!blas && engine === "openblas") {
    throw new UsageError(`linalg "openblas": the library is not available (${openblasLoadFailure()})`);
  }
  return blas;
}

/** Rows of the centred feature block handed to each DSYRK call (bounds the float64 copy to ~16 MB at d = 2048). */
const ROWS_PER_CALL = 1024;

/**
 * Σ = (X − μ)ᵀ(X − μ)/(n − 1) for the n×d row-major X (float64 accumulation), mirrored to a full matrix.
 */
export function covarianceOpenBlas(
  blas: OpenBlas,
  x: Float32Array | Float64Array,
  n: number,
  d: number,
  mu: Float64Array,
): Float64Array {
  const s = new Float64Array(d * d);
  const block = new Float64Array(Math.min(ROWS_PER_CALL, n) * d);
  for (let r0 = 0; r0 < n; r0 += ROWS_PER_CALL) {
    const rows = Math.min(ROWS_PER_CALL, n - r0);
    for (let r = 0; r < rows; r++) {
      const o = (r0 + r) * d, b = r * d;
      for (let j = 0; j < d; j++) block[b + j] = x[o + j] - mu[j];
    }
    blas.dsyrkUpperAtA(d, rows, 1, block, d, r0 === 0 ? 0 : 1, s);
  }
  const denom = n - 1;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = s[i * d + j] / denom;
      s[i * d + j] = v;
      s[j * d + i] = v;
    }
  }
  return s;
}

/** The eigenvalue problem each route reduces tr (Σ₁Σ₂)^{1/2} to. */
export interface TraceParts {
  /** eigh: eigenvalues of Σ₁ (for the PSD check); null on the cholesky route. */
  sigma1Values: Float64Array | null;
  /** Eigenvalues whose square roots sum to the trace term. */
  productValues: Float64Array;
  /** Numerical rank of Σ₁. */
  rank: number;
  /** cholesky: DPSTRF's stopping tolerance. */
  tol: number;
}

/** The eigh route on OpenBLAS/LAPACK (see the module doc); `rankTol`: λ above it count towards the rank. */
export function eighParts(blas: OpenBlas, sa: Float64Array, sb: Float64Array, d: number): TraceParts {
  const e = Float64Array.from(sa);
  const values = blas.dsyevd(e, d, true); // row j of e: eigenvector j
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  const keep: number[] = [];
  let rank = 0;
  for (let j = 0; j < d; j++) {
    if (values[j] > 0) keep.push(j);
    if (values[j] > 100 * d * Number.EPSILON * max) rank++;
  }
  const r = keep.length;
  // Uᵀ (r×d): row k = √λ_j · v_j.
  const ut = new Float64Array(r * d);
  keep.forEach((j, k) => {
    const sq = Math.sqrt(values[j]);
    for (let i = 0; i < d; i++) ut[k * d + i] = sq * e[j * d + i];
  });
  return { sigma1Values: values, productValues: congruenceEigenvalues(blas, ut, r, sb, d), rank, tol: 0 };
}

/** The cholesky route on OpenBLAS/LAPACK (see the module doc). */
export function choleskyParts(blas: OpenBlas, sa: Float64Array, sb: Float64Array, d: number): TraceParts {
  let maxDiag = 0;
  for (let i = 0; i < d; i++) maxDiag = Math.max(maxDiag, sa[i * d + i]);
  const tol = d * Number.EPSILON * maxDiag;
  const a = Float64Array.from(sa);
  const { rank, piv } = blas.dpstrf(a, d, tol);
  if (rank === 0) return { sigma1Values: null, productValues: new Float64Array(0), rank: 0, tol };
  // Rows of L_rᵀ (r×d), in pivot order: row m holds column m of L, L[k][m] = a[k·d + m] for k ≥ m.
  const lt = new Float64Array(rank * d);
  for (let m = 0; m < rank; m++) {
    for (let k = m; k < d; k++) lt[m * d + k] = a[k * d + m];
  }
  // Pᵀ Σ₂ P.
  const bp = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const src = piv[k] * d, dst = k * d;
    for (let l = 0; l < d; l++) bp[dst + l] = sb[src + piv[l]];
  }
  return { sigma1Values: null, productValues: congruenceEigenvalues(blas, lt, rank, bp, d), rank, tol };
}

/** Eigenvalues of W·B·Wᵀ (r×r) for the r×d row-major W and symmetric d×d B. */
function congruenceEigenvalues(
  blas: OpenBlas,
  w: Float64Array,
  r: number,
  b: Float64Array,
  d: number,
): Float64Array {
  if (r === 0) return new Float64Array(0);
  const t = new Float64Array(r * d);
  blas.dgemm(false, false, r, d, d, 1, w, d, b, d, 0, t, d); // T = W·B
  const m = new Float64Array(r * r);
  blas.dgemm(false, true, r, r, d, 1, t, d, w, d, 0, m, r); // M = T·Wᵀ
  for (let i = 0; i < r; i++) {
    for (let j = i + 1; j < r; j++) {
      const v = 0.5 * (m[i * r + j] + m[j * r + i]);
      m[i * r + j] = v;
      m[j * r + i] = v;
    }
  }
  return blas.dsyevd(m, r, false);
}
