/**
 * Holm's step-down adjustment for multiple tests (Holm 1979, Scand. J. Statist. 6:65-70): with the m
 * p-values sorted ascending, p_(1) ≤ … ≤ p_(m), the adjusted values are
 *
 *     p̃_(i) = max_{j ≤ i} min(1, (m − j + 1) · p_(j)),
 *
 * and rejecting every hypothesis with p̃ < α controls the family-wise error rate at α under any dependence
 * between the tests. It is uniformly more powerful than Bonferroni (p̃ ≤ m·p).
 *
 * @module
 */

/**
 * Holm-adjusted p-values, in the order of `ps`. Entries that are not finite numbers in [0, 1] (a test that
 * could not be computed) stay NaN and do not count towards m.
 */
export function holm(ps: readonly number[]): number[] {
  const out = ps.map(() => NaN);
  const idx = ps.map((p, i) => [p, i] as const).filter(([p]) => Number.isFinite(p) && p >= 0 && p <= 1);
  idx.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const m = idx.length;
  let running = 0;
  idx.forEach(([p, i], j) => {
    running = Math.max(running, Math.min(1, (m - j) * p));
    out[i] = running;
  });
  return out;
}

/** Number of tests Holm counts in `ps` (finite p-values in [0, 1]). */
export function holmFamilySize(ps: readonly number[]): number {
  return ps.filter((p) => Number.isFinite(p) && p >= 0 && p <= 1).length;
}
