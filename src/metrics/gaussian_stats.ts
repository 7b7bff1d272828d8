/**
 * Gaussian fit of a feature matrix, as every reference FID implementation does it (TTUR fid.py,
 * pytorch-fid, clean-fid, torch-fidelity): μ = mean over rows, Σ = unbiased covariance with an N − 1
 * denominator (`np.cov(act, rowvar=False)`), accumulated in float64.
 *
 * @module
 */
import { badValue, UsageError } from "../runtime/errors.ts";
import { requireFinite } from "./finite.ts";
import { covarianceOpenBlas, type LinalgEngine, resolveLinalg } from "./native_linalg.ts";

/** Mean and covariance of N samples in d dimensions (float64). */
export interface GaussianStats {
  /** Mean, length d. */
  mu: Float64Array;
  /** Unbiased covariance, row-major d×d (symmetric). */
  sigma: Float64Array;
  /** Number of samples the statistics came from (reports must state it; 0 if unknown, e.g. from .npz). */
  n: number;
}

/** Rows per block in the covariance accumulation (reuses each block of Σ across this many samples). */
const BLOCK = 64;

/**
 * μ and Σ (unbiased, N − 1) of the n×d row-major matrix `x`. Two passes in float64: the mean, then the
 * centred cross-products accumulated block-wise over the upper triangle and mirrored (OpenBLAS DSYRK when
 * `linalg` resolves to it, the default where the library loads; src/metrics/native_linalg.ts).
 * Throws a UsageError for n < 2 or a size mismatch, and a RangeError for a non-finite value.
 */
export function gaussianStats(
  x: Float32Array | Float64Array,
  n: number,
  d: number,
  opts: { linalg?: LinalgEngine } = {},
): GaussianStats {
  if (!Number.isInteger(d) || d < 1) {
    throw new UsageError(badValue("feature dimension d", d, "an integer >= 1"));
  }
  if (!Number.isInteger(n) || n < 2) {
    throw new UsageError(
      badValue("number of samples N", n, "an integer >= 2 (the covariance needs N - 1 > 0)"),
    );
  }
  if (x.length !== n * d) {
    throw new UsageError(`features: got ${x.length} values; expected N·d = ${n}·${d} = ${n * d}`);
  }
  requireFinite(x, d, "features");
  const mu = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const o = r * d;
    for (let j = 0; j < d; j++) mu[j] += x[o + j];
  }
  for (let j = 0; j < d; j++) {
    mu[j] /= n;
    if (!Number.isFinite(mu[j])) {
      throw new RangeError(`gaussianStats: non-finite value in feature column ${j}`);
    }
  }
  const blas = resolveLinalg(opts.linalg ?? "auto");
  if (blas) return { mu, sigma: covarianceOpenBlas(blas, x, n, d, mu), n };
  const s = new Float64Array(d * d);
  // Centred block, transposed: ct[j*B + b] = x[r0+b, j] − μ_j.
  const ct = new Float64Array(d * BLOCK);
  for (let r0 = 0; r0 < n; r0 += BLOCK) {
    const nb = Math.min(BLOCK, n - r0);
    for (let b = 0; b < nb; b++) {
      const o = (r0 + b) * d;
      for (let j = 0; j < d; j++) ct[j * BLOCK + b] = x[o + j] - mu[j];
    }
    for (let i = 0; i < d; i++) {
      const ci = i * BLOCK, si = i * d;
      for (let j = i; j < d; j++) {
        const cj = j * BLOCK;
        let acc = 0;
        for (let b = 0; b < nb; b++) acc += ct[ci + b] * ct[cj + b];
        s[si + j] += acc;
      }
    }
  }
  const denom = n - 1;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = s[i * d + j] / denom;
      s[i * d + j] = v;
      s[j * d + i] = v;
    }
  }
  return { mu, sigma: s, n };
}

/** Check that two statistics are usable together (same d, finite, square Σ); throws a UsageError. */
export function checkStatsPair(a: GaussianStats, b: GaussianStats): number {
  const d = a.mu.length;
  for (const [name, s] of [["first", a], ["second", b]] as const) {
    const k = s.mu.length;
    if (k < 1) throw new UsageError(`${name} statistics: mu is empty`);
    if (s.sigma.length !== k * k) {
      throw new UsageError(
        `${name} statistics: sigma has ${s.sigma.length} entries; expected d·d = ${k * k}`,
      );
    }
    requireFinite(s.mu, k, `${name} statistics: mu`);
    requireFinite(s.sigma, k, `${name} statistics: sigma`);
  }
  if (b.mu.length !== d) {
    throw new UsageError(`statistics dimensions differ: first has d = ${d}, second has d = ${b.mu.length}`);
  }
  return d;
}
