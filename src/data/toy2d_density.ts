/**
 * Exact log-densities of the 2-D toys whose density has a closed form (src/data/toy2d.ts), for the `nll`
 * metric (src/metrics/nll.ts). Each is the density of the generating process itself, optionally convolved
 * with an isotropic Gaussian N(0, h² I) (h = `smoothing`):
 *
 * - `gaussians8`: p(x) = (1/8) Σ_k N(x; μ_k, σ² I), μ_k = 2 (cos kπ/4, sin kπ/4), σ = the dataset's noise;
 *   convolved: the same mixture with σ² + h².
 * - `checkerboard`: uniform, density 1/8, on the 8 dark unit cells [c−2, c−1] × [r−2, r−1] (r + c even);
 *   convolved: p_h(x, y) = (1/8) Σ_cells [Φ((x−a)/h) − Φ((x−a−1)/h)]·[Φ((y−b)/h) − Φ((y−b−1)/h)] for the
 *   cell's lower-left corner (a, b). With h = 0 the density is 0 off the cells (log-density −∞).
 *
 * Everything is computed in log space (log Φ by the complementary error function's Chebyshev fit, Numerical
 * Recipes `erfcc`, fractional error < 1.2e-7 on Φ, i.e. < 1.2e-7 absolute on log Φ, for every argument),
 * so points far from the support get a finite, distance-graded value instead of log 0.
 *
 * The swiss roll and the moons are 1-D curves blurred by noise; their densities are integrals over the
 * curve parameter without a closed form, so they have none here (their metric is `mmd`).
 *
 * @module
 */
import type { LogDensity } from "./dataset.ts";

/** log(erfc(z)) for z ≥ 0 (Numerical Recipes erfcc, evaluated in log space: no underflow). */
function logErfcNonNeg(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  const poly = -z * z - 1.26551223 +
    t * (1.00002368 +
        t * (0.37409196 +
            t * (0.09678418 +
                t * (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) + poly;
}

/** log Φ(x), the standard normal log-CDF, finite for every finite x. */
export function logNormalCdf(x: number): number {
  // Φ(x) = erfc(−x/√2) / 2.
  if (x < 0) return logErfcNonNeg(-x / Math.SQRT2) - Math.LN2;
  return Math.log1p(-Math.exp(logErfcNonNeg(x / Math.SQRT2) - Math.LN2));
}

/** log(Φ(b) − Φ(a)) for a < b, stable in both tails. */
export function logNormalInterval(a: number, b: number): number {
  if (a >= 0) {
    // Φ(b) − Φ(a) = Φ(−a) − Φ(−b).
    const la = logNormalCdf(-a), lb = logNormalCdf(-b);
    return la + Math.log1p(-Math.exp(lb - la));
  }
  const la = logNormalCdf(a), lb = logNormalCdf(b);
  return lb + Math.log1p(-Math.exp(la - lb));
}

function logSumExp(v: Float64Array): number {
  let m = -Infinity;
  for (const x of v) if (x > m) m = x;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const x of v) s += Math.exp(x - m);
  return m + Math.log(s);
}

/** Log-density of gaussians8 with component standard deviation `sigma` (the dataset's noise). */
export function gaussians8LogDensity(sigma: number): LogDensity {
  const cx = Array.from({ length: 8 }, (_, k) => 2 * Math.cos(k * Math.PI / 4));
  const cy = Array.from({ length: 8 }, (_, k) => 2 * Math.sin(k * Math.PI / 4));
  return (points, n, smoothing) => {
    const s2 = sigma * sigma + smoothing * smoothing;
    const norm = -Math.log(8) - Math.log(2 * Math.PI * s2);
    const out = new Float64Array(n);
    const terms = new Float64Array(8);
    for (let i = 0; i < n; i++) {
      const x = points[2 * i], y = points[2 * i + 1];
      for (let k = 0; k < 8; k++) terms[k] = -((x - cx[k]) ** 2 + (y - cy[k]) ** 2) / (2 * s2);
      out[i] = s2 > 0 ? logSumExp(terms) + norm : NaN;
    }
    return out;
  };
}

/** Lower-left corners (a, b) of the 8 dark cells, as toy2d's checkerboard sampler lays them out. */
export const CHECKERBOARD_CELLS: readonly (readonly [number, number])[] = Array.from(
  { length: 8 },
  (_, cell) => {
    const r = cell >> 1;
    const c = 2 * (cell & 1) + (r & 1 ? 1 : 0);
    return [-2 + c, -2 + r] as const;
  },
);

/** Log-density of the checkerboard (uniform on the dark cells), convolved with N(0, h² I). */
export const checkerboardLogDensity: LogDensity = (
  points: Float32Array | Float64Array,
  n: number,
  smoothing: number,
): Float64Array => {
  const out = new Float64Array(n);
  const terms = new Float64Array(8);
  const h = smoothing;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i], y = points[2 * i + 1];
    for (let c = 0; c < 8; c++) {
      const [a, b] = CHECKERBOARD_CELLS[c];
      if (h === 0) terms[c] = x >= a && x <= a + 1 && y >= b && y <= b + 1 ? 0 : -Infinity;
      else {
        terms[c] = logNormalInterval((x - a - 1) / h, (x - a) / h) +
          logNormalInterval((y - b - 1) / h, (y - b) / h);
      }
    }
    out[i] = logSumExp(terms) - Math.log(8);
  }
  return out;
};
