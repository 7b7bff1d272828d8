/**
 * Power, minimum detectable effect (MDE) and sample size of the two-sided paired t-test, from the exact
 * noncentral t distribution (src/report/noncentral_t.ts): with n pairs whose differences have standard
 * deviation σ and mean μ, the statistic t = mean(d) / (sd(d) / √n) is noncentral t with ν = n − 1 degrees of
 * freedom and noncentrality δ = √n · μ / σ, so at level α
 *
 *     power(n, d, α) = P(T'_{ν,δ} > t_{1−α/2,ν}) + P(T'_{ν,δ} < −t_{1−α/2,ν}),   d = μ / σ (Cohen's d_z).
 *
 * The MDE is the d at which the power reaches the target (80% by default); a relative MDE follows by
 * multiplying with σ / |reference mean|. Under Holm's procedure the first (smallest) p-value of a family
 * of m tests is compared with α / m, so a test at α / m is the worst case a single effect must survive.
 * Oracles: SciPy's noncentral t (fixtures/report/power_oracle.py) and G*Power's published sample sizes.
 *
 * @module
 */
import { studentTQuantile } from "./stats.ts";
import { noncentralTCdf, noncentralTSf } from "./noncentral_t.ts";

/**
 * Power of the two-sided paired (one-sample) t-test with `n` ≥ 2 pairs at level `alpha` when the true
 * standardized effect is `d` = mean difference / sd of the differences. NaN for n < 2.
 */
export function pairedTPower(n: number, d: number, alpha: number): number {
  if (!(n >= 2) || !(alpha > 0 && alpha < 1) || !Number.isFinite(d)) return NaN;
  const df = n - 1;
  const tc = studentTQuantile(1 - alpha / 2, df);
  const ncp = d * Math.sqrt(n);
  return Math.min(1, noncentralTSf(tc, df, ncp) + noncentralTCdf(-tc, df, ncp));
}

/**
 * Minimum detectable standardized effect d > 0 of the two-sided paired t-test: the d at which
 * {@link pairedTPower}(n, d, alpha) equals `power` (bisection to 1e-10 relative). NaN for n < 2 or a
 * target power not above alpha.
 */
export function minimumDetectableEffect(n: number, alpha: number, power = 0.8): number {
  if (!(n >= 2) || !(alpha > 0 && alpha < 1) || !(power > alpha && power < 1)) return NaN;
  let lo = 0;
  let hi = 1;
  while (pairedTPower(n, hi, alpha) < power) {
    lo = hi;
    hi *= 2;
    if (hi > 1e9) return Infinity;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-10 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (pairedTPower(n, mid, alpha) < power) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Smallest number of pairs n ≥ 2 at which the two-sided paired t-test at level `alpha` reaches `power`
 * for the standardized effect `d` (≠ 0); null when it would take more than `maxN` pairs or d is not a
 * finite non-zero number.
 */
export function pairsNeeded(d: number, alpha: number, power = 0.8, maxN = 1_000_000): number | null {
  if (!Number.isFinite(d) || d === 0 || !(alpha > 0 && alpha < 1) || !(power > alpha && power < 1)) {
    return null;
  }
  const ok = (n: number) => pairedTPower(n, Math.abs(d), alpha) >= power;
  if (ok(2)) return 2;
  let lo = 2; // fails
  let hi = 4;
  while (!ok(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > maxN) return ok(maxN) ? bisect(lo, maxN) : null;
  }
  return bisect(lo, hi);

  function bisect(fail: number, pass: number): number {
    while (pass - fail > 1) {
      const mid = Math.floor((fail + pass) / 2);
      if (ok(mid)) pass = mid;
      else fail = mid;
    }
    return pass;
  }
}
