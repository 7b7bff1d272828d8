/**
 * The Wilcoxon signed-rank test for paired samples (Wilcoxon 1945), exact for every n: zero differences
 * are dropped (Wilcoxon's convention, SciPy's `zero_method="wilcox"`), |d| is ranked with average ranks
 * for ties, and W⁺ = Σ ranks of the positive differences. Under H0 (differences symmetric about 0) every
 * sign pattern of the n ranks is equally likely, so the null distribution of W⁺ is that of a sum of the
 * ranks each included with probability ½: computed exactly by dynamic programming over doubled ranks
 * (integers even with ties), i.e. the exact permutation distribution conditional on the observed ranks.
 * Two-sided p = min(1, 2 · min(P(W⁺ ≤ w), P(W⁺ ≥ w))). Without ties this is SciPy's `method="exact"`;
 * with ties, SciPy's exhaustive permutation (`PermutationMethod`).
 *
 * @module
 */
import type { TestResult } from "./stats.ts";

/**
 * Two-sided exact Wilcoxon signed-rank test of H0: the differences a − b are symmetric about 0.
 * `statistic` is min(W⁺, W⁻) (SciPy's two-sided statistic); all-zero differences give p = 1.
 */
export function wilcoxonSignedRank(a: readonly number[], b: readonly number[]): TestResult {
  if (a.length !== b.length) throw new RangeError("wilcoxonSignedRank: samples must have the same length");
  const name = "Wilcoxon signed-rank test (exact)";
  const d = a.map((x, i) => x - b[i]);
  if (d.some((x) => !Number.isFinite(x))) return { test: name, statistic: NaN, p: NaN, n: d.length };
  const nz = d.filter((x) => x !== 0);
  const n = nz.length;
  if (n === 0) return { test: name, statistic: 0, p: 1, n: 0 };
  const order = nz.map((x, i) => [Math.abs(x), i] as const).sort((p, q) => p[0] - q[0]);
  const rank2 = new Array<number>(n); // doubled average ranks: integers
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) rank2[order[k][1]] = i + j + 2; // 2 · ((i + 1 + j + 1) / 2)
    i = j + 1;
  }
  let w2 = 0;
  let total2 = 0;
  nz.forEach((x, i) => {
    total2 += rank2[i];
    if (x > 0) w2 += rank2[i];
  });
  // dist[s] = P(2·W⁺ = s) under H0.
  let dist = new Float64Array(total2 + 1);
  dist[0] = 1;
  let reach = 0;
  for (const r of rank2) {
    const next = new Float64Array(total2 + 1);
    for (let s = 0; s <= reach; s++) {
      const v = dist[s];
      if (v === 0) continue;
      next[s] += 0.5 * v;
      next[s + r] += 0.5 * v;
    }
    reach += r;
    dist = next;
  }
  let le = 0;
  let ge = 0;
  for (let s = 0; s <= total2; s++) {
    if (s <= w2) le += dist[s];
    if (s >= w2) ge += dist[s];
  }
  const wPlus = w2 / 2;
  const wMinus = (total2 - w2) / 2;
  return { test: name, statistic: Math.min(wPlus, wMinus), p: Math.min(1, 2 * Math.min(le, ge)), n };
}
