/**
 * Equivalence of paired samples within a margin by two one-sided tests (TOST; Schuirmann 1987, J.
 * Pharmacokin. Biopharm. 15:657-680): with d_i = a_i − b_i and margin Δ > 0, equivalence |μ_d| < Δ is
 * concluded at level α when both one-sided paired t-tests reject,
 *
 *     H0⁻: μ_d ≤ −Δ  with t⁻ = (mean(d) + Δ) / se,   p⁻ = P(T_{n−1} ≥ t⁻)
 *     H0⁺: μ_d ≥ +Δ  with t⁺ = (mean(d) − Δ) / se,   p⁺ = P(T_{n−1} ≤ t⁺),
 *
 * so the TOST p-value is max(p⁻, p⁺) (equivalently: the 1 − 2α confidence interval lies inside ±Δ).
 * "No significant difference" is not equivalence; this is the test that can say "equivalent".
 *
 * @module
 */
import { mean, stdDev, studentTCdf } from "./stats.ts";

/** Outcome of a paired TOST. */
export interface TostResult {
  /** Equivalence margin Δ (absolute, in the metric's units). */
  margin: number;
  /** Number of pairs. */
  n: number;
  /** Mean difference mean(a − b). */
  mean: number;
  /** p of H0: μ_d ≤ −Δ. */
  pLower: number;
  /** p of H0: μ_d ≥ +Δ. */
  pUpper: number;
  /** max(pLower, pUpper); NaN when n < 2 or the margin is not positive. */
  p: number;
}

/** Paired TOST of |mean(a − b)| < `margin` (margin > 0, absolute units). */
export function pairedTost(a: readonly number[], b: readonly number[], margin: number): TostResult {
  if (a.length !== b.length) throw new RangeError("pairedTost: samples must have the same length");
  const d = a.map((x, i) => x - b[i]);
  const n = d.length;
  const m = mean(d);
  if (n < 2 || !(margin > 0) || !Number.isFinite(margin)) {
    return { margin, n, mean: m, pLower: NaN, pUpper: NaN, p: NaN };
  }
  const se = stdDev(d) / Math.sqrt(n);
  let pLower: number;
  let pUpper: number;
  if (se === 0) {
    pLower = m > -margin ? 0 : 1;
    pUpper = m < margin ? 0 : 1;
  } else {
    pLower = 1 - studentTCdf((m + margin) / se, n - 1);
    pUpper = studentTCdf((m - margin) / se, n - 1);
  }
  return { margin, n, mean: m, pLower, pUpper, p: Math.max(pLower, pUpper) };
}
