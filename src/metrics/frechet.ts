/**
 * Fréchet distance between Gaussian fits of two feature sets (the "FID" formula of Heusel et al. 2017,
 * "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium", eq. 6):
 *
 *   FD = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2·tr (Σ₁Σ₂)^{1/2}
 *
 * float64 throughout. The trace of the matrix square root is Σᵢ √λᵢ over the eigenvalues of a symmetric
 * PSD matrix similar to Σ₁Σ₂, so no general (non-symmetric) square root is needed (pytorch-fid issue #117;
 * torch-fidelity issue #46 shows why eigvalsh(Σ₁Σ₂) itself is wrong):
 *
 * - "eigh" (ml-matrix): S = Σ₁^{1/2} from a symmetric eigendecomposition, λ = eig(S Σ₂ S).
 * - "cholesky" (fast, for large d): Σ₁ = G Gᵀ (ml-matrix's Cholesky when Σ₁ is positive definite, else a
 *   rank-revealing pivoted Cholesky, so singular Σ₁ from N ≤ d or dead features is fine),
 *   λ = eig(Gᵀ Σ₂ G), eigenvalues only.
 * - "auto": "eigh" for d ≤ 512, "cholesky" above (ml-matrix's eigendecomposition costs ~40 s at d = 2048).
 *
 * Both routes run on OpenBLAS/LAPACK (DSYEVD, DPSTRF, DGEMM; src/metrics/native_linalg.ts) when the
 * library loads (`linalg: "auto"`, the default), else in JavaScript (`linalg: "js"`); `linalg` in the
 * result says which ran.
 *
 * Safeguards (each recorded in `safeguards` and passed to `log` when it triggers):
 * - negative eigenvalues (of Σ₁ or of the product) are clamped to 0; silently when within round-off
 *   (≤ 100·d·ε·λ_max), logged otherwise; beyond 1e-6·λ_max the statistics are not PSD and a UsageError is
 *   thrown (the analogue of pytorch-fid's "Imaginary component" ValueError);
 * - a non-finite result or a failed decomposition is retried with ε·I (ε = 1e-6) added to both covariances,
 *   as TTUR/pytorch-fid do for a singular product;
 * - an asymmetric Σ is symmetrised ((Σ + Σᵀ)/2), logged if the asymmetry exceeds 1e-12 relative.
 *
 * @module
 */
import { UsageError } from "../runtime/errors.ts";
import { checkStatsPair, type GaussianStats, gaussianStats } from "./gaussian_stats.ts";
import { type MetricContext, type MetricFactory, unknownMetricOptions } from "./metric.ts";
import { choleskyParts, eighParts, type LinalgEngine, resolveLinalg } from "./native_linalg.ts";
import type { OpenBlas } from "../runtime/native/openblas.ts";
import {
  asymmetry,
  choleskyFactor,
  congruence,
  matmul,
  symmetricEigen,
  symmetricEigenvalues,
  symmetrizeInPlace,
  trace,
} from "./linalg.ts";

export { checkStatsPair, type GaussianStats, gaussianStats } from "./gaussian_stats.ts";

/** How the trace of the square root is computed. */
export type FrechetMethod = "auto" | "eigh" | "cholesky";

/** Options of {@link frechetDistance}. */
export interface FrechetOptions {
  /** Trace route (default auto). */
  method?: FrechetMethod;
  /** Diagonal offset of the non-finite fallback (pytorch-fid's eps). Default 1e-6. */
  eps?: number;
  /** Where triggered safeguards are reported. Default: console.warn (stderr). Pass `() => {}` to mute. */
  log?: (message: string) => void;
  /** Linear algebra: "auto" (OpenBLAS where it loads, else JS; default), "openblas" or "js". */
  linalg?: LinalgEngine;
}

/** The Fréchet distance with its parts. */
export interface FrechetDetails {
  /** The Fréchet distance. */
  fd: number;
  /** ‖μ₁ − μ₂‖². */
  meanTerm: number;
  /** tr Σ_A. */
  traceA: number;
  /** tr Σ_B. */
  traceB: number;
  /** tr (Σ₁Σ₂)^{1/2}. */
  traceSqrt: number;
  /** Trace route used. */
  method: "eigh" | "cholesky";
  /** Which implementation ran the linear algebra. */
  linalg: "openblas" | "js";
  /** Feature dimension. */
  d: number;
  /** N of each side as given in the statistics (0 = unknown). */
  nA: number;
  /** Samples behind B's statistics (0 when unknown). */
  nB: number;
  /** Numerical rank of Σ₁ (cholesky route) or the count of its positive eigenvalues (eigh route). */
  rankA: number;
  /** Messages of the safeguards that triggered (empty when none did). */
  safeguards: string[];
}

/** d above which "auto" switches from the ml-matrix route to the Cholesky route. */
export const AUTO_EIGH_MAX_D = 512;

/** The Fréchet distance between two Gaussian fits (see the module doc). */
export function frechetDistance(a: GaussianStats, b: GaussianStats, opts: FrechetOptions = {}): number {
  return frechetDetails(a, b, opts).fd;
}

/** {@link frechetDistance} with its terms and the safeguards that triggered. */
export function frechetDetails(
  a: GaussianStats,
  b: GaussianStats,
  opts: FrechetOptions = {},
): FrechetDetails {
  const d = checkStatsPair(a, b);
  const requested = opts.method ?? "auto";
  if (!["auto", "eigh", "cholesky"].includes(requested)) {
    throw new UsageError(`frechet method: got ${JSON.stringify(requested)}; allowed: auto, eigh, cholesky`);
  }
  const method = requested === "auto" ? (d <= AUTO_EIGH_MAX_D ? "eigh" : "cholesky") : requested;
  const eps = opts.eps ?? 1e-6;
  const blas = resolveLinalg(opts.linalg ?? "auto");
  const safeguards: string[] = [];
  const log = opts.log ?? ((m: string) => console.warn(`frechet: ${m}`));
  const note = (m: string) => {
    safeguards.push(m);
    log(m);
  };

  const sa = Float64Array.from(a.sigma), sb = Float64Array.from(b.sigma);
  for (const [name, s] of [["sigma1", sa], ["sigma2", sb]] as const) {
    const asym = asymmetry(s, d);
    if (asym > 1e-12) {
      note(`${name} is not symmetric (relative asymmetry ${asym.toExponential(2)}); symmetrised`);
    }
    symmetrizeInPlace(s, d);
  }

  let meanTerm = 0;
  for (let i = 0; i < d; i++) {
    const diff = a.mu[i] - b.mu[i];
    meanTerm += diff * diff;
  }
  const traceA = trace(sa, d), traceB = trace(sb, d);

  let res: { traceSqrt: number; rankA: number } | undefined;
  let failure = "";
  try {
    res = traceSqrtProduct(sa, sb, d, method, note, blas);
    if (!Number.isFinite(res.traceSqrt)) failure = `the trace term is ${res.traceSqrt}`;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    failure = e instanceof Error ? e.message : String(e);
  }
  if (failure !== "") {
    note(`${failure}; adding ${eps} to the diagonals of both covariances and retrying`);
    const oa = Float64Array.from(sa), ob = Float64Array.from(sb);
    for (let i = 0; i < d; i++) {
      oa[i * d + i] += eps;
      ob[i * d + i] += eps;
    }
    res = traceSqrtProduct(oa, ob, d, method, note, blas);
    if (!Number.isFinite(res.traceSqrt)) {
      throw new RangeError(
        `frechet: the trace term is ${res.traceSqrt} even with the ${eps} diagonal offset`,
      );
    }
  }
  const { traceSqrt, rankA } = res!;
  return {
    fd: meanTerm + traceA + traceB - 2 * traceSqrt,
    meanTerm,
    traceA,
    traceB,
    traceSqrt,
    method,
    linalg: blas ? "openblas" : "js",
    d,
    nA: a.n,
    nB: b.n,
    rankA,
    safeguards,
  };
}

/** Σ √max(λ, 0) with the clamping policy of the module doc. */
function sqrtSum(values: Float64Array, dim: number, what: string, note: (m: string) => void): number {
  let max = 0, min = Infinity;
  for (const v of values) {
    if (Math.abs(v) > max) max = Math.abs(v);
    if (v < min) min = v;
  }
  clampCheck(min, max, dim, what, values, note);
  let s = 0;
  for (const v of values) if (v > 0) s += Math.sqrt(v);
  return s;
}

function clampCheck(
  min: number,
  max: number,
  dim: number,
  what: string,
  values: Float64Array,
  note: (m: string) => void,
): void {
  if (!(min < 0)) return;
  const roundOff = 100 * Math.max(dim, 1) * Number.EPSILON * max;
  if (-min <= roundOff) return;
  const count = values.reduce((c, v) => c + (v < -roundOff ? 1 : 0), 0);
  if (-min > 1e-6 * max) {
    throw new UsageError(
      `frechet: ${what} has eigenvalue ${min.toExponential(3)} (largest ${max.toExponential(3)}): the ` +
        `covariances are not positive semi-definite (the square root would have an imaginary component)`,
    );
  }
  note(`${what}: ${count} eigenvalue(s) below round-off, down to ${min.toExponential(3)}; clamped to 0`);
}

function rankNote(rank: number, d: number, residual: string, tol: number): string {
  return `sigma1 has numerical rank ${rank} < d = ${d} (${residual}<= tol ${
    tol.toExponential(2)
  }); factored ` +
    `as G·Gᵀ over the rank (fewer samples than features, or constant features)`;
}

function traceSqrtProduct(
  sa: Float64Array,
  sb: Float64Array,
  d: number,
  method: "eigh" | "cholesky",
  note: (m: string) => void,
  blas: OpenBlas | null,
): { traceSqrt: number; rankA: number } {
  if (blas && method === "eigh") {
    const parts = eighParts(blas, sa, sb, d);
    const v = parts.sigma1Values!;
    let max = 0, min = Infinity;
    for (const x of v) {
      max = Math.max(max, Math.abs(x));
      min = Math.min(min, x);
    }
    clampCheck(min, max, d, "sigma1", v, note);
    const r = parts.productValues.length;
    return {
      traceSqrt: sqrtSum(parts.productValues, r, "sigma1^1/2 sigma2 sigma1^1/2", note),
      rankA: parts.rank,
    };
  }
  if (blas) {
    const parts = choleskyParts(blas, sa, sb, d);
    if (parts.rank < d) note(rankNote(parts.rank, d, "DPSTRF stopped: remaining pivots ", parts.tol));
    return { traceSqrt: sqrtSum(parts.productValues, parts.rank, "G^T sigma2 G", note), rankA: parts.rank };
  }
  if (method === "eigh") {
    const { values, vectors } = symmetricEigen(sa, d);
    let max = 0, min = Infinity, rank = 0;
    for (const v of values) {
      max = Math.max(max, Math.abs(v));
      min = Math.min(min, v);
    }
    clampCheck(min, max, d, "sigma1", values, note);
    // S = V diag(√λ⁺) Vᵀ = (V diag(λ⁺^¼)) (V diag(λ⁺^¼))ᵀ.
    const vs = new Float64Array(d * d);
    for (let j = 0; j < d; j++) {
      const r = values[j] > 0 ? Math.sqrt(Math.sqrt(values[j])) : 0;
      if (values[j] > 100 * d * Number.EPSILON * max) rank++;
      for (let i = 0; i < d; i++) vs[i * d + j] = vectors[i * d + j] * r;
    }
    const s = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        let acc = 0;
        for (let k = 0; k < d; k++) acc += vs[i * d + k] * vs[j * d + k];
        s[i * d + j] = acc;
        s[j * d + i] = acc;
      }
    }
    const m = matmul(matmul(s, sb, d), s, d);
    symmetrizeInPlace(m, d);
    const mv = symmetricEigen(m, d).values;
    return { traceSqrt: sqrtSum(mv, d, "sigma1^1/2 sigma2 sigma1^1/2", note), rankA: rank };
  }
  const chol = choleskyFactor(sa, d);
  if (chol.rank < d) {
    note(rankNote(chol.rank, d, `remaining pivot ${chol.residual.toExponential(2)} `, chol.tol));
  }
  if (chol.rank === 0) return { traceSqrt: 0, rankA: 0 };
  const m = congruence(chol.g, chol.rank, sb, d, !chol.pivoted);
  let values: Float64Array;
  try {
    values = symmetricEigenvalues(m, chol.rank);
  } catch (e) {
    note(`${e instanceof Error ? e.message : e}; using ml-matrix's eigendecomposition instead`);
    values = symmetricEigen(m, chol.rank).values;
  }
  return { traceSqrt: sqrtSum(values, chol.rank, "G^T sigma2 G", note), rankA: chol.rank };
}

/** The reference's Gaussian statistics, computed once per metric context (shared by `fd` and `fd_inf`). */
export function referenceStats(ctx: MetricContext): GaussianStats {
  let s = ctx.shared.get("gaussian-stats") as GaussianStats | undefined;
  if (!s) {
    s = gaussianStats(ctx.real, ctx.nReal, ctx.d);
    ctx.shared.set("gaussian-stats", s);
  }
  return s;
}

/** Registry entry of `fd`. */
export const fdFactory: MetricFactory<Record<string, never>> = {
  id: "fd",
  direction: "lower",
  description: "Fréchet distance between Gaussian fits (Heusel et al. 2017, eq. 6), float64; depends on N",
  reference: "Heusel et al. 2017 (eq. 6); pytorch-fid's safeguards",
  defaults: {},
  validate(o) {
    return unknownMetricOptions("fd", o, []);
  },
  create(_o, ctx) {
    const ref = referenceStats(ctx);
    return { compute: (gen, n) => frechetDistance(gaussianStats(gen, n, ctx.d), ref) };
  },
};
