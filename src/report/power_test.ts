import assert from "node:assert/strict";
import { noncentralTCdf, noncentralTSf } from "./noncentral_t.ts";
import { minimumDetectableEffect, pairedTPower, pairsNeeded } from "./power.ts";
import { holm, holmFamilySize } from "./holm.ts";
import { pairedTost } from "./tost.ts";
import { wilcoxonSignedRank } from "./wilcoxon.ts";
import { normalCdf, studentTCdf } from "./stats.ts";

// Oracle: SciPy 1.17 (Boost noncentral t) and an mpmath quadrature (fixtures/report/power_oracle.py).
const oracle = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/report/power_oracle.json", import.meta.url)),
);

function near(actual: number, expected: number, abs: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= abs, `${what}: got ${actual}, expected ${expected} (±${abs})`);
}

Deno.test("noncentralTCdf matches SciPy and an mpmath quadrature, including ncp in the hundreds", () => {
  for (const { t, df, ncp, cdf } of oracle.nct_cdf) {
    near(noncentralTCdf(t, df, ncp), cdf, 2e-13, `F(${t}; ${df}, ${ncp})`);
  }
  for (const { t, df, ncp, cdf } of oracle.nct_cdf_quad) {
    near(noncentralTCdf(t, df, ncp), cdf, 2e-13, `quadrature F(${t}; ${df}, ${ncp})`);
  }
});

Deno.test("noncentralTCdf reduces to closed forms: Φ(−δ) at t = 0, Student's t at δ = 0, Cauchy at ν = 1", () => {
  for (const df of [1, 2.5, 7, 40]) {
    for (const d of [-3, -0.4, 0, 1.2, 6]) {
      near(noncentralTCdf(0, df, d), normalCdf(-d), 1e-15, `t=0, ν=${df}`);
    }
  }
  for (const t of [-7, -1.3, 0.2, 2, 25]) {
    near(noncentralTCdf(t, 1, 0), 0.5 + Math.atan(t) / Math.PI, 1e-14, `Cauchy ${t}`);
    near(noncentralTCdf(t, 2, 0), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-14, `t2 ${t}`);
    near(noncentralTCdf(t, 9, 0), studentTCdf(t, 9), 1e-14, `t9 ${t}`);
  }
  // ν → ∞: T' → N(δ, 1).
  near(noncentralTCdf(2.5, 1e7, 1.1), normalCdf(1.4), 1e-6, "normal limit");
  near(noncentralTSf(1.3, 5, 0.7) + noncentralTCdf(1.3, 5, 0.7), 1, 1e-14, "sf + cdf = 1");
});

Deno.test("paired t power, MDE and pairs needed match SciPy and G*Power's published sample sizes", () => {
  for (const { n, d, alpha, power } of oracle.power) {
    near(pairedTPower(n, d, alpha), power, 1e-12, `power(${n}, ${d}, ${alpha})`);
  }
  for (const { n, alpha, power, d } of oracle.mde) {
    const got = minimumDetectableEffect(n, alpha, power);
    assert.ok(Math.abs(got - d) <= 1e-8 * d, `MDE(${n}, ${alpha}, ${power}): ${got} vs ${d}`);
  }
  for (const { d, alpha, power, n } of oracle.pairs_needed) {
    assert.equal(pairsNeeded(d, alpha, power), n, `n(${d}, ${alpha})`);
  }
  // G*Power 3 (Faul et al. 2007), "means: difference from constant (one sample case)", two tails, α 0.05,
  // power 0.8: d = 0.5 needs 34 (actual power 0.8078), d = 0.8 needs 15 (0.8213).
  assert.equal(pairsNeeded(0.5, 0.05, 0.8), 34);
  near(pairedTPower(34, 0.5, 0.05), 0.8078, 5e-5, "G*Power 0.8078");
  assert.equal(pairsNeeded(0.8, 0.05, 0.8), 15);
  near(pairedTPower(15, 0.8, 0.05), 0.8213, 5e-5, "G*Power 0.8213");
  // At d = 0 the power is the level itself.
  near(pairedTPower(5, 0, 0.05), 0.05, 1e-13, "size");
  assert.ok(Number.isNaN(minimumDetectableEffect(1, 0.05)), "one pair has no sd");
  assert.equal(pairsNeeded(0, 0.05), null);
});

Deno.test("holm: SciPy-free oracle (the sequential procedure itself) and hand cases", () => {
  for (const { p, adjusted } of oracle.holm) {
    holm(p).forEach((x, i) => near(x, adjusted[i], 1e-15, `holm ${JSON.stringify(p)}[${i}]`));
  }
  // Hand: m = 3, sorted 0.01, 0.02, 0.04 → 0.03, max(0.03, 0.04), max(0.04, 0.04).
  assert.deepEqual(holm([0.04, 0.01, 0.02]), [0.04, 0.03, 0.04]);
  const withNaN = holm([0.01, NaN, 0.04]);
  assert.deepEqual([withNaN[0], withNaN[2]], [0.02, 0.04], "NaN is not counted in m");
  assert.ok(Number.isNaN(withNaN[1]));
  assert.equal(holmFamilySize([0.1, NaN, 1, 0]), 3);
});

Deno.test("pairedTost matches one-sided SciPy t-tests; degenerate cases are defined", () => {
  for (const { a, b, margin, p_lower, p_upper } of oracle.tost) {
    const r = pairedTost(a, b, margin);
    near(r.pLower, p_lower, 1e-12, "p lower");
    near(r.pUpper, p_upper, 1e-12, "p upper");
    assert.equal(r.p, Math.max(r.pLower, r.pUpper));
  }
  assert.equal(pairedTost([1, 2], [1, 2], 0.1).p, 0, "identical samples are equivalent within any margin");
  assert.equal(pairedTost([2, 3], [1, 2], 0.5).p, 1, "a constant difference of 1 is outside ±0.5");
  assert.ok(Number.isNaN(pairedTost([1], [2], 1).p));
});

Deno.test("wilcoxonSignedRank matches SciPy exact and exhaustive-permutation p-values", () => {
  for (const { a, b, statistic, p } of oracle.wilcoxon) {
    const r = wilcoxonSignedRank(a, b);
    assert.equal(r.statistic, statistic, `W for ${JSON.stringify(a)}`);
    near(r.p, p, 1e-12, `p for ${JSON.stringify(a)}`);
  }
  // Hand: 3 positive differences: P(W+ = 6) = 1/8, two-sided 2/8; n = 1 can never be below 1.
  assert.equal(wilcoxonSignedRank([2, 3, 4], [1, 1, 1]).p, 0.25);
  assert.equal(wilcoxonSignedRank([2], [1]).p, 1);
  assert.equal(wilcoxonSignedRank([1, 2], [1, 2]).p, 1);
});
