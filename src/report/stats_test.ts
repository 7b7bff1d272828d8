import assert from "node:assert/strict";
import {
  mannWhitneyU,
  meanCi,
  normalCdf,
  pairedTTest,
  signFlipTest,
  studentTCdf,
  studentTQuantile,
  welchTTest,
} from "./stats.ts";

// Oracle: SciPy 1.17 (fixtures/report/stats_oracle.py), plus published table values below.
const oracle = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/report/stats_oracle.json", import.meta.url)),
);

function close(actual: number, expected: number, rel: number, what: string): void {
  const tol = rel * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} (tol ${tol})`);
}

Deno.test("studentTQuantile matches published two-sided 95% table values", () => {
  // Student's t table (e.g. Fisher & Yates): t_{0.975, ν}.
  // Tables print 3 decimals, so the tolerance is half a unit in the last place.
  const table: [number, number][] = [[1, 12.706], [2, 4.303], [4, 2.776], [10, 2.228], [30, 2.042]];
  for (const [df, q] of table) {
    assert.ok(Math.abs(studentTQuantile(0.975, df) - q) <= 5e-4, `df=${df}`);
  }
  assert.ok(Math.abs(studentTQuantile(0.975, 1e7) - 1.95996) <= 5e-6, "df→∞ gives the normal quantile");
});

Deno.test("studentTQuantile and studentTCdf match SciPy", () => {
  for (const { p, df, q } of oracle.t_quantiles) close(studentTQuantile(p, df), q, 1e-9, `ppf(${p}, ${df})`);
  for (const { t, df, cdf } of oracle.t_cdf) close(studentTCdf(t, df), cdf, 1e-11, `cdf(${t}, ${df})`);
  for (const { z, cdf } of oracle.normal_cdf) close(normalCdf(z), cdf, 1e-12, `Φ(${z})`);
});

Deno.test("meanCi gives mean, sd and the t-interval half-width of SciPy", () => {
  for (const { xs, mean, sd, half } of oracle.mean_ci) {
    const r = meanCi(xs);
    close(r.mean, mean, 1e-12, "mean");
    close(r.sd, sd, 1e-12, "sd");
    close(r.halfWidth, half, 1e-9, "half-width");
  }
  // Hand check: xs = [1, 3]: mean 2, sd √2, half = 12.7062 · √2/√2 = 12.7062.
  close(meanCi([1, 3]).halfWidth, 12.706204736174694, 1e-9, "two-point CI");
  assert.ok(Number.isNaN(meanCi([5]).halfWidth), "one value has no interval");
});

Deno.test("pairedTTest and signFlipTest match SciPy and brute-force enumeration", () => {
  for (const { a, b, t, p_t, p_flip } of oracle.paired) {
    const r = pairedTTest(a, b);
    close(r.statistic, t, 1e-9, "t");
    close(r.p, p_t, 1e-9, "paired p");
    close(signFlipTest(a, b).p, p_flip, 1e-12, "sign-flip p");
  }
  // Hand case: 3 pairs with all differences positive: only the identity and the all-flip reach |Σd|.
  assert.equal(signFlipTest([2, 3, 4], [1, 1, 1]).p, 2 / 8);
  assert.equal(pairedTTest([1, 2], [1, 2]).p, 1);
  assert.equal(pairedTTest([2, 3], [1, 2]).p, 0);
});

Deno.test("welchTTest and mannWhitneyU match SciPy (exact and normal-approximation branches)", () => {
  for (const { a, b, welch_t, welch_p, mw_u, mw_p } of oracle.two_sample) {
    const w = welchTTest(a, b);
    close(w.statistic, welch_t, 1e-9, "welch t");
    close(w.p, welch_p, 1e-9, "welch p");
    const m = mannWhitneyU(a, b);
    close(m.statistic, mw_u, 1e-12, "U");
    close(m.p, mw_p, 1e-9, `MW p for ${JSON.stringify([a, b])}`);
  }
  // Hand case: complete separation 3 vs 3 gives the smallest exact two-sided p, 2/C(6,3) = 0.1.
  close(mannWhitneyU([1, 2, 3], [4, 5, 6]).p, 0.1, 1e-12, "separation");
});
