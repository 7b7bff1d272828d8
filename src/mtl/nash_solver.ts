/**
 * The Nash bargaining weights of Nash-MTL (Navon et al., "Multi-Task Learning as a Bargaining Game",
 * ICML 2022, Eq. 3 / Alg. 1): α ∈ R^k_{>0} with (G Gᵀ α)_i = 1 / α_i for every task i, i.e.
 *
 *     α_i (M α)_i = 1  for all i,   M = G Gᵀ (k × k, M_ij = g_i · g_j), the RAW Gram matrix.
 *
 * This is what the official code computes (AvivNavon/nash-mtl, methods/weight_methods.py::NashMTL, and
 * ANT's mtl_library/nash.py): it divides M by nf = ‖M‖_F for conditioning, M' = M / nf, but its constraints
 * −log(α_i · nf) − log((M'α)_i) ≤ 0 put nf back: they read α_i (Mα)_i ≥ 1, and they are tight at the
 * optimum (re-solved with cvxpy + ECOS and with scipy in fixtures/mtl/make_reference.py). So the official α
 * is a / √nf where a solves the normalised system a_i (M'a)_i = 1; scaling every gradient by c scales α by
 * 1/c, and the update Σ α_i g_i has squared norm αᵀMα = Σ_i α_i (Mα)_i = k exactly.
 *
 * Instead of the official sequence of cvxpy problems (CCP + ECOS, which silently returns α = 1 when ECOS
 * is missing, see ant-spec.md §5, and also when its first subproblem is unbounded, which happens for
 * conflicting gradients with (M'α_prev)_i < 0), α is the unique minimiser of the strictly convex,
 * self-concordant
 *
 *     φ(α) = ½ αᵀ M α − Σ_i log α_i,      ∇φ = Mα − 1/α,   ∇²φ = M + diag(1/α²) ≻ 0,
 *
 * whose stationarity condition is exactly the Nash system. The system is invariant under diagonal scaling
 * (α = D y with D = diag(1/‖g_i‖) = diag(1/√M_ii) turns it into y_i (C y)_i = 1 for the correlation matrix
 * C = D M D, unit diagonal, entries in [−1, 1]), so we solve on C: gradient norms spanning many orders of
 * magnitude cost nothing, and neither does the overall scale (this is the same as solving on M' = M / nf
 * and rescaling by 1/√nf, with the conditioning of C). We run damped Newton (Nesterov & Nemirovski):
 * step 1/(1 + λ) while the Newton decrement λ > 1/4 (this step always stays inside α > 0 and decreases φ by
 * at least λ − log(1 + λ)), then full Newton steps (quadratic convergence), with step halving as a
 * positivity safeguard. The certificate is the residual max_i |α_i (Mα)_i − 1| (equal to y_i (Cy)_i − 1),
 * reported with every solution; a solve is accepted only when it is below `acceptTol` (1e-6).
 *
 * Degenerate inputs are handled explicitly, never by falling back to equal weights:
 * - a task with a (numerically) zero gradient, M_ii / ‖M‖_F ≤ zeroTol, has no finite Nash weight
 *   (α_i · 0 = 1 is impossible); it is excluded and gets α_i = 0 (it contributes nothing to Σ α_i g_i
 *   anyway), and is listed in `excluded`;
 * - rank-deficient M (e.g. two identical gradients) is fine: the barrier keeps ∇²φ positive definite, and
 *   the solution is unique;
 * - when some non-negative combination of the gradients is zero (e.g. g_2 = −g_1), φ is unbounded below and
 *   no solution exists: the iterates grow without bound. We detect it through the direction of the
 *   iterate, d = y / Σy: |Σ d_i ĝ_i|² = dᵀCd (unit gradients ĝ_i) below `degenerateTol` (1e-10) means a
 *   vanishing non-negative combination, and the solve fails with that reason and the residual — also when
 *   rounding made the residual small (the weights would then be dominated by rounding).
 *
 * @module
 */

const NO_SOLUTION =
  "no Nash solution: a non-negative combination of the task gradients is (numerically) zero";

/** Solver settings. */
export interface NashSolveOptions {
  /** Stop when the residual is below this (default 1e-12). */
  tol?: number;
  /** Accept the solution only when the residual is below this (default 1e-6). */
  acceptTol?: number;
  /** Newton iteration limit (default 500). */
  maxIter?: number;
  /** M_ii / ‖M‖_F at or below this marks a zero-gradient task (default 1e-24: ‖g_i‖ ≤ 1e-12 of the largest). */
  zeroTol?: number;
  /**
   * Fail when the solution's direction d = α̃/Σα̃ (in unit-gradient coordinates) has |Σ d_i ĝ_i|² below
   * this: a non-negative combination of the gradients (numerically) vanishes (default 1e-10).
   */
  degenerateTol?: number;
}

/** Outcome of a Nash solve. */
export interface NashSolution {
  /** The official weights, α_i (Mα)_i = 1 on the raw Gram matrix M (length k); 0 for excluded tasks. */
  alpha: Float64Array;
  /** max_i |α_i (Mα)_i − 1| over the non-excluded tasks (the certificate). */
  residual: number;
  /** Newton iterations used. */
  iterations: number;
  /** True when residual < acceptTol. */
  converged: boolean;
  /** Why the solve failed (absent on success). */
  reason?: string;
  /** Tasks with a zero gradient (excluded, α = 0). */
  excluded: number[];
  /** ‖M‖_F, the official code's normalisation factor nf (α = a / √nf for a_i (M a / nf)_i = 1). */
  normalizer: number;
}

/** Cholesky solve of the SPD system A x = b (A n × n row-major, overwritten). Returns null if not SPD. */
function choleskySolve(A: Float64Array, b: Float64Array, n: number): Float64Array | null {
  for (let j = 0; j < n; j++) {
    let d = A[j * n + j];
    for (let m = 0; m < j; m++) d -= A[j * n + m] * A[j * n + m];
    if (!(d > 0)) return null;
    const ljj = Math.sqrt(d);
    A[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = A[i * n + j];
      for (let m = 0; m < j; m++) s -= A[i * n + m] * A[j * n + m];
      A[i * n + j] = s / ljj;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let m = 0; m < i; m++) s -= A[i * n + m] * y[m];
    y[i] = s / A[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let m = i + 1; m < n; m++) s -= A[m * n + i] * x[m];
    x[i] = s / A[i * n + i];
  }
  return x;
}

function matVec(M: Float64Array, x: Float64Array, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += M[i * n + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** max_i |α_i (Mα)_i − 1|. */
export function nashResidual(M: ArrayLike<number>, alpha: ArrayLike<number>, n: number): number {
  let r = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += M[i * n + j] * alpha[j];
    r = Math.max(r, Math.abs(alpha[i] * s - 1));
  }
  return r;
}

/**
 * Solve the official Nash-MTL system α_i (Mα)_i = 1 for the raw Gram matrix `gram` (k × k row-major,
 * M_ij = g_i · g_j). Never throws for numerical trouble: failures come back with `converged: false`, the
 * reason and the residual.
 */
export function solveNash(gram: ArrayLike<number>, k: number, opts: NashSolveOptions = {}): NashSolution {
  const tol = opts.tol ?? 1e-12;
  const acceptTol = opts.acceptTol ?? 1e-6;
  const maxIter = opts.maxIter ?? 500;
  const zeroTol = opts.zeroTol ?? 1e-24;
  const degenerateTol = opts.degenerateTol ?? 1e-10;
  const alpha = new Float64Array(k);
  const fail = (reason: string, residual = Infinity, iterations = 0, excluded: number[] = [], nf = NaN) => ({
    alpha,
    residual,
    iterations,
    converged: false,
    reason,
    excluded,
    normalizer: nf,
  });
  if (gram.length !== k * k) return fail(`Gram matrix has ${gram.length} entries, expected ${k * k}`);
  let nf2 = 0;
  for (let i = 0; i < k * k; i++) {
    if (!Number.isFinite(gram[i])) return fail(`Gram matrix entry ${i} is ${gram[i]}`);
    nf2 += gram[i] * gram[i];
  }
  const nf = Math.sqrt(nf2);
  if (!(nf > 0)) return fail("every task gradient is zero", Infinity, 0, [], nf);
  // Active (non-zero-gradient) tasks.
  const active: number[] = [];
  const excluded: number[] = [];
  for (let i = 0; i < k; i++) (gram[i * k + i] / nf > zeroTol ? active : excluded).push(i);
  const n = active.length;
  // The Nash system is invariant under diagonal scaling: with D = diag(1/sqrt(M_ii)) and y = D⁻¹α,
  // α_i (Mα)_i = y_i (C y)_i for the correlation matrix C = D M D (unit diagonal, entries in [-1, 1]).
  // Solving on C removes every scale disparity between task gradients (and the overall scale nf);
  // α = D y afterwards is the official (raw-Gram) weight. C is formed from M / nf, whose entries cannot
  // overflow; D M D = D' (M / nf) D' with D' = diag(1/sqrt(M_ii / nf)).
  const dscale = Float64Array.from(active, (i) => 1 / Math.sqrt(gram[i * k + i] / nf));
  const M = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      // Symmetrise: a Gram matrix from float32 dot products may differ in the last bits.
      const mab = 0.5 * (gram[active[a] * k + active[b]] + gram[active[b] * k + active[a]]) / nf;
      M[a * n + b] = a === b ? 1 : Math.max(-1, Math.min(1, mab * dscale[a] * dscale[b]));
    }
  }
  // Start: the orthogonal-gradient solution y = 1, scaled optimally along its ray.
  let x = new Float64Array(n).fill(1);
  const q0 = x.reduce((s, xi, a) => s + xi * matVec(M, x, n)[a], 0);
  const c = q0 > 0 ? Math.sqrt(n / q0) : 1;
  x = x.map((v) => v * c);

  let residual = nashResidual(M, x, n);
  let it = 0;
  const H = new Float64Array(n * n);
  for (; it < maxIter && residual > tol; it++) {
    const Mx = matVec(M, x, n);
    const grad = Float64Array.from(x, (xi, a) => Mx[a] - 1 / xi);
    // ∇²φ is positive definite in exact arithmetic; rounding can break that when C is singular and y is
    // large, so retry with a growing ridge (still a descent direction).
    let d: Float64Array | null = null;
    for (let ridge = 0; !d && ridge < 1e-2; ridge = ridge === 0 ? 1e-15 : ridge * 100) {
      H.set(M);
      for (let a = 0; a < n; a++) H[a * n + a] += 1 / (x[a] * x[a]) + ridge;
      d = choleskySolve(H, grad.map((g) => -g), n);
    }
    if (!d) return fail("Newton system is not positive definite", residual, it, excluded, nf);
    const lambda2 = -grad.reduce((s, g, a) => s + g * d[a], 0);
    const lambda = Math.sqrt(Math.max(0, lambda2));
    if (!Number.isFinite(lambda)) return fail("non-finite Newton step", residual, it, excluded, nf);
    if (lambda2 < 1e-30) break; // no further progress is possible in float64
    let step = lambda > 0.25 ? 1 / (1 + lambda) : 1;
    for (let h = 0; h < 60 && x.some((xi, a) => xi + step * d[a] <= 0); h++) step *= 0.5;
    for (let a = 0; a < n; a++) x[a] += step * d[a];
    residual = nashResidual(M, x, n);
    // Far past the degeneracy threshold below: the iterates are running off to infinity.
    const l1 = x.reduce((s, v) => s + v, 0);
    if (!(l1 * l1 * degenerateTol < n * 1e6)) break;
  }
  // Degeneracy: with d = y / Σy on the simplex, dᵀCd = |Σ d_i ĝ_i|² for the unit gradients ĝ_i. At a
  // solution yᵀCy = n, so a tiny dᵀCd means huge weights along a non-negative combination of the gradients
  // that (numerically) vanishes: 0 is (nearly) in their convex hull, φ is unbounded or the solution is
  // dominated by rounding. Such a solve is a failure, however small its residual.
  const l1 = x.reduce((s, v) => s + v, 0);
  const dir = x.map((v) => v / l1);
  const q = dir.reduce((s, v, a) => s + v * matVec(M, dir, n)[a], 0);
  if (!(q >= degenerateTol)) {
    return fail(
      `${NO_SOLUTION} (|Σ d_i ĝ_i|² = ${q.toExponential(2)} < ${degenerateTol} for unit gradients ĝ_i, ` +
        `d ≥ 0, Σd = 1)`,
      residual,
      it,
      excluded,
      nf,
    );
  }
  const converged = residual < acceptTol;
  // α = D y with D = diag(1/sqrt(M_ii)) = diag(dscale / sqrt(nf)): the official weights.
  const rootNf = Math.sqrt(nf);
  for (let a = 0; a < n; a++) alpha[active[a]] = x[a] * dscale[a] / rootNf;
  return {
    alpha,
    residual,
    iterations: it,
    converged,
    ...(converged
      ? {}
      : { reason: `residual ${residual.toExponential(3)} above ${acceptTol} after ${it} iterations` }),
    excluded,
    normalizer: nf,
  };
}

/** The Gram matrix G Gᵀ (row-major) of row vectors, in float64. */
export function gramMatrix(grads: readonly (readonly number[] | Float64Array)[]): Float64Array {
  const k = grads.length;
  const M = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let s = 0;
      const a = grads[i];
      const b = grads[j];
      if (a.length !== b.length) {
        throw new RangeError(`gradients have different lengths (${a.length}, ${b.length})`);
      }
      for (let p = 0; p < a.length; p++) s += a[p] * b[p];
      M[i * k + j] = s;
      M[j * k + i] = s;
    }
  }
  return M;
}

/**
 * The official Nash-MTL weights α for task gradients `grads` (k rows): α_i (G Gᵀ α)_i = 1 on the raw Gram
 * matrix (Navon et al. 2022, Eq. 3; AvivNavon/nash-mtl's constraints, tight at the optimum), so
 * ‖Σ α_i g_i‖² = k and scaling every gradient by c scales α by 1/c. Throws an Error naming the reason and
 * residual when no solution is found; never returns equal weights as a fallback.
 */
export function nashMtlWeights(grads: readonly (readonly number[] | Float64Array)[]): Float64Array {
  const sol = solveNash(gramMatrix(grads), grads.length);
  if (!sol.converged) {
    throw new Error(`nashMtlWeights: ${sol.reason} (residual ${sol.residual})`);
  }
  return sol.alpha;
}
