/**
 * FD∞: the Fréchet distance extrapolated to infinitely many samples (Chong & Forsyth 2020, "Effectively
 * Unbiased FID and Inception Score and where to find them", CVPR, §3.1). FD_N is biased upward with a
 * model-dependent slope, FD_N ≈ FD∞ + c/N, so: for each of several N, reshuffle the generated features
 * (seeded) and compute FD_N of the first N against the reference statistics; fit a least-squares line of
 * FD_N against 1/N and report the intercept at 1/N = 0. As in mchong6/FID_IS_infinity `score_infinity.py`
 * (`np.random.shuffle(activations)` before every FD_N), each N gets its own shuffle, from the stream
 * rngFor(seed, "fd-infinity", N): the subsets are not nested prefixes of one shuffle, so the FD_N errors are
 * not correlated along the line. The default N are 15 evenly spaced values from N_max/10 to N_max (there,
 * np.linspace(5000, 50000, 15) for 50k images).
 *
 * @module
 */
import { rngFor } from "../runtime/rng.ts";
import { badValue, UsageError } from "../runtime/errors.ts";
import {
  frechetDistance,
  type FrechetOptions,
  type GaussianStats,
  gaussianStats,
  referenceStats,
} from "./frechet.ts";
import { type MetricFactory, unknownMetricOptions } from "./metric.ts";

/** Options of {@link fdInfinity}. */
export interface FdInfinityOptions {
  /** Sample sizes N to evaluate (each in [2, n_gen]); default: {@link defaultFdSizes}. */
  sizes?: number[];
  /** Seed of the shuffle streams rngFor(seed, "fd-infinity", N), one per sample size N (default 0). */
  seed?: number;
  /** Options of each Fréchet distance. */
  frechet?: FrechetOptions;
}

/** FD∞ with the points it was fitted to. */
export interface FdInfinityResult {
  /** Intercept at 1/N = 0. */
  fdInf: number;
  /** Slope c of FD_N = FD∞ + c/N. */
  slope: number;
  /** FD at each N of the fit. */
  points: { n: number; fd: number }[];
}

/** 15 evenly spaced sample sizes from round(nMax/10) to nMax (at least 2 each, deduplicated). */
export function defaultFdSizes(nMax: number, count = 15): number[] {
  const lo = Math.max(2, Math.round(nMax / 10));
  const out = new Set<number>();
  for (let i = 0; i < count; i++) out.add(Math.round(lo + ((nMax - lo) * i) / Math.max(count - 1, 1)));
  return [...out].sort((a, b) => a - b);
}

/** Least-squares line y = intercept + slope·x. */
export function fitLine(x: number[], y: number[]): { intercept: number; slope: number } {
  const n = x.length;
  if (n < 2 || y.length !== n) {
    throw new RangeError(`fitLine: need >= 2 matching points; got ${n} and ${y.length}`);
  }
  const mx = x.reduce((a, b) => a + b, 0) / n, my = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  if (sxx === 0) throw new RangeError("fitLine: all x are equal");
  const slope = sxy / sxx;
  return { intercept: my - slope * mx, slope };
}

/** The rows used for FD_m out of n: the first m of a fresh permutation from rngFor(seed, "fd-infinity", m). */
export function fdInfinitySubset(n: number, m: number, seed: number): Int32Array {
  return rngFor(seed, "fd-infinity", m).permutation(n).subarray(0, m);
}

/** FD∞ of n_gen×d generated features against fixed reference statistics. */
export function fdInfinity(
  gen: Float32Array | Float64Array,
  d: number,
  reference: GaussianStats,
  opts: FdInfinityOptions = {},
): FdInfinityResult {
  if (gen.length % d !== 0) throw new UsageError(`FD∞: ${gen.length} values are not a multiple of d = ${d}`);
  const n = gen.length / d;
  const sizes = opts.sizes ?? defaultFdSizes(n);
  const distinct = new Set(sizes);
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < 2 || s > n) {
      throw new UsageError(
        badValue("FD∞ sample size", s, `an integer in [2, ${n}] (the generated sample count)`),
      );
    }
  }
  if (distinct.size < 2) {
    throw new UsageError(`FD∞: needs at least 2 distinct sample sizes; got ${sizes.join(", ")}`);
  }
  const points = [...distinct].sort((a, b) => a - b).map((m) => {
    const rows = fdInfinitySubset(n, m, opts.seed ?? 0);
    const subset = new Float64Array(m * d);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < d; j++) subset[i * d + j] = gen[rows[i] * d + j];
    }
    return { n: m, fd: frechetDistance(gaussianStats(subset, m, d), reference, opts.frechet) };
  });
  const { intercept, slope } = fitLine(points.map((p) => 1 / p.n), points.map((p) => p.fd));
  return { fdInf: intercept, slope, points };
}

/** Registry entry of `fd_inf`. */
export const fdInfinityFactory: MetricFactory<Record<string, never>> = {
  id: "fd_inf",
  direction: "lower",
  description: "FD extrapolated to N = ∞ by a line in 1/N, a fresh shuffle per N (Chong & Forsyth 2020)",
  reference: "Chong & Forsyth 2020 (§3.1), mchong6/FID_IS_infinity score_infinity.py",
  defaults: {},
  validate(o) {
    return unknownMetricOptions("fd_inf", o, []);
  },
  create(_o, ctx) {
    const ref = referenceStats(ctx);
    return { compute: (gen, _n, seed) => fdInfinity(gen, ctx.d, ref, { seed }).fdInf };
  },
};
