/**
 * Kernel Inception Distance (Bińkowski, Sutherland, Arbel & Gretton 2018, "Demystifying MMD GANs",
 * eq. 4 and §5): the unbiased estimator of the squared MMD with the cubic polynomial kernel
 * k(x, y) = (xᵀy/d + 1)³, averaged over S random subsets of size m (without replacement within a subset),
 * with the standard deviation over the subsets. Defaults S = 100 (clean-fid's `kernel_distance`,
 * torch-fidelity's `kid_subsets`) and m = min(1000, ⌊N/2⌋) with N = min(N_real, N_gen): 1000 as clean-fid
 * and torch-fidelity when N ≥ 2000, and half the data below that, so the subsets differ and their spread
 * means something. A subset size m ≥ N makes every subset the same set (std 0, the subset loop a no-op):
 * it is refused with a {@link KidSubsetSizeError} unless S = 1, the explicit full-set MMD²_u.
 *
 *   MMD²_u = [Σ_{i≠j} k(xᵢ,xⱼ) + Σ_{i≠j} k(yᵢ,yⱼ)] / (m(m−1)) − 2 Σ_{i,j} k(xᵢ,yⱼ) / m²
 *
 * float64 throughout. Subsets are drawn from the stream rngFor(seed, "kid-subsets"). The reported std is
 * the population standard deviation over subsets (np.std, as torch-fidelity).
 *
 * @module
 */
import { rngFor } from "../runtime/rng.ts";
import { badValue, UsageError } from "../runtime/errors.ts";
import { checkMetricNumber, type MetricFactory, unknownMetricOptions } from "./metric.ts";
import { requireFinite } from "./finite.ts";

/** Options of {@link kernelInceptionDistance}. */
export interface KidOptions {
  /** Number of subsets S (default 100). */
  subsets?: number;
  /**
   * Subset size m, at most N − 1 for N = min(N_real, N_gen) unless `subsets` is 1 (the full-set MMD²_u,
   * m capped at N); default min(1000, ⌊N/2⌋).
   */
  subsetSize?: number;
  /** Seed of the subset stream (default 0). */
  seed?: number;
}

/** KID with its spread. */
export interface KidResult {
  /** Mean of MMD²_u over the subsets. */
  kid: number;
  /** Standard deviation of MMD²_u over the subsets (ddof 0). */
  std: number;
  /** Number of subsets S. */
  subsets: number;
  /** Subset size m used. */
  subsetSize: number;
}

export const KID_DEFAULT_SUBSETS = 100;
/** Largest default subset size (the default is min(this, ⌊N/2⌋)). */
export const KID_DEFAULT_SUBSET_SIZE = 1000;

/** The default subset size for N = min(N_real, N_gen) samples: min(1000, ⌊N/2⌋), at least 2. */
export function kidDefaultSubsetSize(n: number): number {
  return Math.max(2, Math.min(KID_DEFAULT_SUBSET_SIZE, Math.floor(n / 2)));
}

/** A subset size that would make every KID subset the same set (m ≥ N with more than one subset). */
export class KidSubsetSizeError extends UsageError {
  /** The refused subset size, the smaller sample count N and the number of subsets. */
  constructor(readonly subsetSize: number, readonly n: number, readonly subsets: number) {
    super(
      `KID: subset size ${subsetSize} >= N = ${n} (the smaller sample count) with ${subsets} subsets: every ` +
        `subset would be the same set and the spread 0; allowed: a subset size in [2, ${n - 1}] ` +
        `(default min(${KID_DEFAULT_SUBSET_SIZE}, N/2) = ${
          kidDefaultSubsetSize(n)
        }), or subsets = 1 for the ` +
        `full-set MMD²`,
    );
    this.name = "KidSubsetSizeError";
  }
}

function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let j = 0;
  for (; j + 3 < d; j += 4) {
    s0 += a[ao + j] * b[bo + j];
    s1 += a[ao + j + 1] * b[bo + j + 1];
    s2 += a[ao + j + 2] * b[bo + j + 2];
    s3 += a[ao + j + 3] * b[bo + j + 3];
  }
  for (; j < d; j++) s0 += a[ao + j] * b[bo + j];
  return s0 + s1 + s2 + s3;
}

/**
 * Unbiased MMD² with the cubic polynomial kernel between the rows `xi` of x and `yi` of y (both n×d
 * row-major float64; index lists select the subset, all rows if omitted).
 */
export function mmd2Unbiased(
  x: Float64Array,
  y: Float64Array,
  d: number,
  xi?: Int32Array,
  yi?: Int32Array,
): number {
  const mx = xi ? xi.length : x.length / d;
  const my = yi ? yi.length : y.length / d;
  if (mx < 2 || my < 2) {
    throw new UsageError(`KID: subsets need at least 2 samples each; got ${mx} and ${my}`);
  }
  const rx = (i: number) => (xi ? xi[i] : i) * d;
  const ry = (i: number) => (yi ? yi[i] : i) * d;
  const k = (v: number) => {
    const t = v / d + 1;
    return t * t * t;
  };
  let kxx = 0, kyy = 0, kxy = 0;
  for (let i = 0; i < mx; i++) {
    const a = rx(i);
    for (let j = i + 1; j < mx; j++) kxx += k(dot(x, a, x, rx(j), d));
  }
  for (let i = 0; i < my; i++) {
    const a = ry(i);
    for (let j = i + 1; j < my; j++) kyy += k(dot(y, a, y, ry(j), d));
  }
  for (let i = 0; i < mx; i++) {
    const a = rx(i);
    for (let j = 0; j < my; j++) kxy += k(dot(x, a, y, ry(j), d));
  }
  return (2 * kxx) / (mx * (mx - 1)) + (2 * kyy) / (my * (my - 1)) - (2 * kxy) / (mx * my);
}

/** Largest total number of kernel-table entries (float64) precomputed for the subset loop (96 MB). */
export const KID_GRAM_LIMIT = 12_000_000;

interface KernelTables {
  nx: number;
  ny: number;
  kxx: Float64Array;
  kyy: Float64Array;
  kxy: Float64Array;
}

function kernelTables(x: Float64Array, y: Float64Array, d: number): KernelTables {
  const nx = x.length / d, ny = y.length / d;
  const k = (v: number) => {
    const t = v / d + 1;
    return t * t * t;
  };
  const kxx = new Float64Array(nx * nx), kyy = new Float64Array(ny * ny), kxy = new Float64Array(nx * ny);
  for (let i = 0; i < nx; i++) {
    for (let j = i + 1; j < nx; j++) kxx[i * nx + j] = kxx[j * nx + i] = k(dot(x, i * d, x, j * d, d));
  }
  for (let i = 0; i < ny; i++) {
    for (let j = i + 1; j < ny; j++) kyy[i * ny + j] = kyy[j * ny + i] = k(dot(y, i * d, y, j * d, d));
  }
  for (let i = 0; i < nx; i++) {
    for (let j = 0; j < ny; j++) kxy[i * ny + j] = k(dot(x, i * d, y, j * d, d));
  }
  return { nx, ny, kxx, kyy, kxy };
}

function mmd2FromTables(t: KernelTables, xi: Int32Array, yi: Int32Array): number {
  const mx = xi.length, my = yi.length;
  let sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < mx; i++) {
    const r = xi[i] * t.nx;
    for (let j = i + 1; j < mx; j++) sxx += t.kxx[r + xi[j]];
  }
  for (let i = 0; i < my; i++) {
    const r = yi[i] * t.ny;
    for (let j = i + 1; j < my; j++) syy += t.kyy[r + yi[j]];
  }
  for (let i = 0; i < mx; i++) {
    const r = xi[i] * t.ny;
    for (let j = 0; j < my; j++) sxy += t.kxy[r + yi[j]];
  }
  return (2 * sxx) / (mx * (mx - 1)) + (2 * syy) / (my * (my - 1)) - (2 * sxy) / (mx * my);
}

/** KID between n_real×d and n_gen×d row-major feature matrices (see the module doc). */
export function kernelInceptionDistance(
  real: Float32Array | Float64Array,
  gen: Float32Array | Float64Array,
  d: number,
  opts: KidOptions = {},
): KidResult {
  if (!Number.isInteger(d) || d < 1) throw new UsageError(badValue("KID: dimension d", d, "an integer >= 1"));
  if (real.length % d !== 0 || gen.length % d !== 0) {
    throw new UsageError(`KID: feature sizes ${real.length} and ${gen.length} are not multiples of d = ${d}`);
  }
  requireFinite(real, d, "KID: real features");
  requireFinite(gen, d, "KID: generated features");
  const nr = real.length / d, ng = gen.length / d;
  const S = opts.subsets ?? KID_DEFAULT_SUBSETS;
  const nMin = Math.min(nr, ng);
  if (nMin < 2) {
    throw new UsageError(`KID: needs at least 2 real and 2 generated samples; got ${nr} and ${ng}`);
  }
  const size = opts.subsetSize ?? kidDefaultSubsetSize(nMin);
  if (!Number.isInteger(S) || S < 1) throw new UsageError(badValue("KID: subsets", S, "an integer >= 1"));
  if (!Number.isInteger(size) || size < 2) {
    throw new UsageError(badValue("KID: subset size", size, "an integer >= 2"));
  }
  if (size >= nMin && S > 1) throw new KidSubsetSizeError(size, nMin, S);
  const m = Math.min(size, nMin);
  const x = Float64Array.from(gen), y = Float64Array.from(real);
  // S = 1 with m equal to both sample sizes: the full-set u-statistic (it does not depend on the order).
  if (m === nr && m === ng) {
    return { kid: mmd2Unbiased(x, y, d), std: 0, subsets: S, subsetSize: m };
  }
  const rng = rngFor(opts.seed ?? 0, "kid-subsets");
  // Small sets: evaluate every kernel value once, then each subset only sums table entries (the same
  // values in the same order as the direct route, so the result is identical, ~100x faster at S = 100).
  const gram = ng * ng + nr * nr + ng * nr <= KID_GRAM_LIMIT ? kernelTables(x, y, d) : null;
  const px = new Int32Array(ng).map((_, i) => i), py = new Int32Array(nr).map((_, i) => i);
  const pick = (p: Int32Array) => {
    // Partial Fisher-Yates: the first m entries are a uniform m-subset.
    for (let i = 0; i < m; i++) {
      const j = rng.int(i, p.length);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p.slice(0, m);
  };
  const values = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    const xi = pick(px), yi = pick(py);
    values[s] = gram ? mmd2FromTables(gram, xi, yi) : mmd2Unbiased(x, y, d, xi, yi);
  }
  const mean = values.reduce((a, b) => a + b, 0) / S;
  const variance = values.reduce((a, v) => a + (v - mean) * (v - mean), 0) / S;
  return { kid: mean, std: Math.sqrt(variance), subsets: S, subsetSize: m };
}

/** Options of the `kid` metric. */
export interface KidMetricOptions {
  /** Number of subsets S. */
  subsets: number;
  /** Subset size, or "auto" = min(1000, ⌊N/2⌋). */
  subsetSize: number | "auto";
  [key: string]: unknown;
}

/** Registry entry of `kid`. */
export const kidFactory: MetricFactory<KidMetricOptions> = {
  id: "kid",
  direction: "lower",
  description: "KID: unbiased MMD² with the kernel (xᵀy/d + 1)³ over seeded subsets (Bińkowski et al. 2018)",
  reference: "Bińkowski et al. 2018 (eq. 4, §5); S = 100 subsets of min(1000, N/2)",
  defaults: { subsets: KID_DEFAULT_SUBSETS, subsetSize: "auto" },
  validate(o) {
    const problems = [
      ...unknownMetricOptions("kid", o, ["subsets", "subsetSize"]),
      ...checkMetricNumber("kid", o, "subsets", 1, 1e6, true),
    ];
    if (o.subsetSize !== "auto") problems.push(...checkMetricNumber("kid", o, "subsetSize", 2, 1e7, true));
    return problems;
  },
  create(o, ctx) {
    const subsetSize = o.subsetSize === "auto" ? undefined : o.subsetSize;
    return {
      compute: (gen, _n, seed) =>
        kernelInceptionDistance(ctx.real, gen, ctx.d, { subsets: o.subsets, subsetSize, seed }).kid,
    };
  },
};
