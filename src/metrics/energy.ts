/**
 * `energy`: the squared energy distance (Székely & Rizzo 2013, "Energy statistics: A class of statistics
 * based on distances", J. Stat. Plan. Inference, eq. 2.1),
 *
 *   D²(X, Y) = 2 E‖X − Y‖ − E‖X − X'‖ − E‖Y − Y'‖,
 *
 * 0 exactly when the distributions are equal, with no bandwidth (it weighs all scales, and is in the data's
 * units). The metric is the unbiased U-statistic estimate (within-set means over i ≠ j), so real-vs-real
 * values scatter around 0. {@link energyDistanceSquared} also gives the V-statistic (within-set means over
 * all pairs, i = j included), whose square root is scipy.stats.energy_distance in 1-D.
 *
 * Measured on the toys (N = 1000): it separates a Gaussian blob with the data's mean and covariance from the
 * data by 17-37 floor standard deviations, but Gaussian noise of 0.3 × the data scale on the swiss roll or
 * the checkerboard stays inside its real-vs-real band: prefer `mmd` (or `nll`) as the toys' headline.
 *
 * @module
 */
import { UsageError } from "../runtime/errors.ts";
import { type MetricFactory, unknownMetricOptions } from "./metric.ts";

function dist(
  a: Float32Array | Float64Array,
  i: number,
  b: Float32Array | Float64Array,
  j: number,
  d: number,
) {
  let s = 0;
  for (let c = 0; c < d; c++) s += (a[i * d + c] - b[j * d + c]) ** 2;
  return Math.sqrt(s);
}

/** Σ_{i<j} ‖xᵢ − xⱼ‖. */
function withinSum(x: Float32Array | Float64Array, n: number, d: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += dist(x, i, x, j, d);
  return s;
}

function crossMean(
  x: Float32Array | Float64Array,
  m: number,
  y: Float32Array | Float64Array,
  n: number,
  d: number,
) {
  let s = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) s += dist(x, i, y, j, d);
  return s / (m * n);
}

/**
 * Squared energy distance between m×d `x` and n×d `y`: the unbiased U-statistic (default) or, with
 * `unbiased: false`, the V-statistic (scipy.stats.energy_distance² in 1-D).
 */
export function energyDistanceSquared(
  x: Float32Array | Float64Array,
  y: Float32Array | Float64Array,
  d: number,
  opts: { unbiased?: boolean } = {},
): number {
  const m = x.length / d, n = y.length / d;
  if (!(m >= 2 && n >= 2)) {
    throw new UsageError(`energy: needs at least 2 samples per set; got ${m} and ${n}`);
  }
  const u = opts.unbiased ?? true;
  const wx = (2 * withinSum(x, m, d)) / (u ? m * (m - 1) : m * m);
  const wy = (2 * withinSum(y, n, d)) / (u ? n * (n - 1) : n * n);
  return 2 * crossMean(x, m, y, n, d) - wx - wy;
}

/** Registry entry of `energy`. */
export const energyFactory: MetricFactory<Record<string, never>> = {
  id: "energy",
  direction: "lower",
  description: "squared energy distance 2E|X-Y| - E|X-X'| - E|Y-Y'| (unbiased), no bandwidth",
  reference: "Székely & Rizzo 2013 (eq. 2.1), U-statistic estimate",
  defaults: {},
  validate(o) {
    return unknownMetricOptions("energy", o, []);
  },
  create(_o, ctx) {
    const n = ctx.nReal;
    if (n < 2) throw new UsageError(`energy: needs at least 2 reference samples; got ${n}`);
    const refTerm = (2 * withinSum(ctx.real, n, ctx.d)) / (n * (n - 1));
    return {
      compute(gen, m) {
        if (m < 2) throw new UsageError(`energy: needs at least 2 generated samples; got ${m}`);
        return 2 * crossMean(gen, m, ctx.real, n, ctx.d) - (2 * withinSum(gen, m, ctx.d)) / (m * (m - 1)) -
          refTerm;
      },
    };
  },
};
