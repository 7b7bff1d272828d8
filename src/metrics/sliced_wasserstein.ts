/**
 * Sliced Wasserstein-2 distance (Rabin, Peyré, Delon & Bernot 2011, "Wasserstein Barycenter and its
 * Application to Texture Mixing"; Bonneel et al. 2015, "Sliced and Radon Wasserstein Barycenters of
 * Measures", eq. 2):
 *
 *   SW₂(X, Y) = ( E_θ~U(S^{d−1}) W₂²(θᵀX, θᵀY) )^{1/2}
 *
 * estimated with L seeded random unit directions. Each 1-D W₂ between two empirical measures of equal size
 * n is exact: sort both projections and match them in order, W₂² = (1/n) Σᵢ (a₍ᵢ₎ − b₍ᵢ₎)².
 * Used as the sample-quality metric of the 2-D toys (feature space "data").
 *
 * @module
 */
import { rngFor } from "../runtime/rng.ts";
import { badValue, UsageError } from "../runtime/errors.ts";
import { checkMetricNumber, type MetricFactory, unknownMetricOptions } from "./metric.ts";
import { requireFinite } from "./finite.ts";

/** Options of {@link slicedWasserstein}. */
export interface SlicedWassersteinOptions {
  /** Number of random directions L (default 256). */
  projections?: number;
  /** Seed of the direction stream rngFor(seed, "swd-directions") (default 0). */
  seed?: number;
  /** Explicit unit directions (L×d row-major); overrides `projections` and `seed`. */
  directions?: Float64Array;
}

/** Default number of projections. */
export const SWD_DEFAULT_PROJECTIONS = 256;

/** L directions uniform on the unit sphere S^{d−1} (normalised standard normals), L×d row-major. */
export function randomDirections(count: number, d: number, seed: number): Float64Array {
  const rng = rngFor(seed, "swd-directions", d);
  const out = new Float64Array(count * d);
  for (let l = 0; l < count; l++) {
    let norm = 0;
    do {
      norm = 0;
      for (let j = 0; j < d; j++) {
        const z = rng.normal();
        out[l * d + j] = z;
        norm += z * z;
      }
    } while (norm === 0);
    const inv = 1 / Math.sqrt(norm);
    for (let j = 0; j < d; j++) out[l * d + j] *= inv;
  }
  return out;
}

/**
 * Squared 2-Wasserstein distance between two 1-D empirical measures of equal size (sorted matching).
 * The inputs are not modified.
 */
export function wasserstein2Squared1d(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) {
    throw new UsageError(
      `1-D Wasserstein: the two samples must have the same non-zero size; got ${a.length} and ${b.length}`,
    );
  }
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  let s = 0;
  for (let i = 0; i < sa.length; i++) {
    const diff = sa[i] - sb[i];
    s += diff * diff;
  }
  return s / sa.length;
}

/**
 * SW₂ between two n×d row-major samples of equal size n (Monte Carlo over L directions; exact W₂ per
 * direction). Deterministic in (seed, L, d).
 */
export function slicedWasserstein(
  x: Float32Array | Float64Array,
  y: Float32Array | Float64Array,
  d: number,
  opts: SlicedWassersteinOptions = {},
): number {
  if (!Number.isInteger(d) || d < 1) throw new UsageError(badValue("swd: dimension d", d, "an integer >= 1"));
  if (x.length % d !== 0 || y.length % d !== 0) {
    throw new UsageError(`swd: sample sizes ${x.length} and ${y.length} are not multiples of d = ${d}`);
  }
  requireFinite(x, d, "swd: first sample");
  requireFinite(y, d, "swd: second sample");
  const n = x.length / d;
  if (y.length / d !== n || n === 0) {
    throw new UsageError(
      `swd: the exact 1-D transport needs equal, non-zero sample sizes; got ${n} and ${y.length / d} samples`,
    );
  }
  let dirs = opts.directions;
  if (dirs === undefined) {
    const L = opts.projections ?? SWD_DEFAULT_PROJECTIONS;
    if (!Number.isInteger(L) || L < 1) {
      throw new UsageError(badValue("swd: projections", L, "an integer >= 1"));
    }
    dirs = randomDirections(L, d, opts.seed ?? 0);
  } else if (dirs.length % d !== 0 || dirs.length === 0) {
    throw new UsageError(
      `swd: directions have ${dirs.length} values; expected a non-zero multiple of d = ${d}`,
    );
  }
  const L = dirs.length / d;
  const px = new Float64Array(n), py = new Float64Array(n);
  let total = 0;
  for (let l = 0; l < L; l++) {
    const o = l * d;
    for (let i = 0; i < n; i++) {
      let sx = 0, sy = 0;
      for (let j = 0; j < d; j++) {
        sx += x[i * d + j] * dirs[o + j];
        sy += y[i * d + j] * dirs[o + j];
      }
      px[i] = sx;
      py[i] = sy;
    }
    px.sort();
    py.sort();
    let s = 0;
    for (let i = 0; i < n; i++) {
      const diff = px[i] - py[i];
      s += diff * diff;
    }
    total += s / n;
  }
  return Math.sqrt(total / L);
}

/** Registry entry of `swd` (the first min(N_real, N_gen) rows of each set). */
export const swdFactory: MetricFactory<{ projections: number; [key: string]: unknown }> = {
  id: "swd",
  direction: "lower",
  description: "sliced Wasserstein-2 over seeded random directions, exact 1-D W2 by sorting",
  reference: "Bonneel et al. 2015 (eq. 2); L = 256 directions",
  defaults: { projections: SWD_DEFAULT_PROJECTIONS },
  validate(o) {
    return [
      ...unknownMetricOptions("swd", o, ["projections"]),
      ...checkMetricNumber("swd", o, "projections", 1, 1e6, true),
    ];
  },
  create(o, ctx) {
    return {
      compute(gen, n, seed) {
        const m = Math.min(ctx.nReal, n) * ctx.d;
        return slicedWasserstein(ctx.real.subarray(0, m), gen.subarray(0, m), ctx.d, {
          seed,
          projections: o.projections,
        });
      },
    };
  },
};
