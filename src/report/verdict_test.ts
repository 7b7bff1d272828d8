import assert from "node:assert/strict";
import { aggregate, comparisonOf } from "./aggregate.ts";
import { fakeRun, floor } from "./test_results.ts";
import { minimumDetectableEffect } from "./power.ts";
import { renderMarkdown } from "./markdown.ts";
import { buildResultsJson } from "./results_json.ts";

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected}`);
}

// Scenario A, derived by hand (t-distribution with 2 df: P(T ≤ t) = ½ + t / (2√(2 + t²))).
// vanilla finals 1.0, 1.1, 1.2; matched control (snr k=2, vanilla, stratified) 0.9, 1.0, 1.1 (Δ −0.1 each, sd 0:
// p = 0); UW 0.89, 1.01, 1.09. UW − vanilla = −0.11, −0.09, −0.11: mean −0.10333, sd 0.011547, se 0.0066667,
// t = −15.5, p = 1 − 15.5/√242.25 = 0.0041385. UW − control = −0.01, +0.01, −0.01: t = −0.5, p = 1 − 0.5/1.5 = ⅔.
// Holm over the 3 tests: 0 → 0, 0.0041385 → 2·0.0041385 = 0.008277, ⅔ → ⅔.
// TOST of UW vs control, margin 5% · 1.0: t⁻ = (−0.003333 + 0.05)/0.0066667 = 7, p⁻ = ½ − 7/(2√51) = 0.0099020;
// t⁺ = −8, p⁺ = ½ − 8/(2√66) = 0.0076338; TOST p = 0.0099020, Holm over 3 TOST tests (the others are ≈ 1): 0.029706.
const scenarioA = [0, 1, 2].flatMap((seed) => [
  fakeRun({
    method: "vanilla",
    objective: "none",
    k: 1,
    seed,
    curves: { "fd-data": [2, [1.0, 1.1, 1.2][seed]] },
  }),
  fakeRun({
    method: "vanilla",
    objective: "snr",
    k: 2,
    seed,
    curves: { "fd-data": [2, [0.9, 1.0, 1.1][seed]] },
  }),
  fakeRun({
    method: "uw",
    objective: "snr",
    k: 2,
    seed,
    curves: { "fd-data": [2, [0.89, 1.01, 1.09][seed]] },
  }),
]);

Deno.test("verdicts: matched control, Holm over the table, TOST equivalence (hand-derived)", () => {
  const [g] = aggregate(scenarioA);
  assert.deepEqual(g.rows.map((r) => [r.role, r.label]), [
    ["baseline", "vanilla"],
    ["control", "snr k=2 vanilla (stratified control)"],
    ["method", "snr k=2 uw"],
  ]);
  assert.equal(g.family.tests, 3);
  const [, control, uw] = g.rows;
  assert.equal(uw.controlLabel, control.label);
  // The control is compared with vanilla only; UW with its control, then with vanilla.
  assert.deepEqual(control.metrics[0].comparisons.map((c) => c.against), ["vanilla"]);
  assert.deepEqual(uw.metrics[0].comparisons.map((c) => c.against), ["control", "vanilla"]);
  const cv = comparisonOf(control.metrics[0], "vanilla")!;
  assert.ok(cv.pairedT.p < 1e-20, "a constant Δ of −0.1: p ≈ 0 (sd only from rounding)");
  assert.equal(cv.verdict.word, "better");
  const uv = comparisonOf(uw.metrics[0], "vanilla")!;
  near(uv.mean, -0.31 / 3, 1e-12, "Δ vs vanilla");
  near(uv.pairedT.p, 1 - 15.5 / Math.sqrt(242.25), 1e-9, "p vs vanilla");
  near(uv.pHolm, 2 * (1 - 15.5 / Math.sqrt(242.25)), 1e-9, "Holm p vs vanilla");
  assert.equal(uv.verdict.word, "better");
  const uc = comparisonOf(uw.metrics[0], "control")!;
  near(uc.pairedT.p, 2 / 3, 1e-9, "p vs control");
  near(uc.pHolm, 2 / 3, 1e-9, "Holm p vs control");
  near(uc.tost.pLower, 0.5 - 7 / (2 * Math.sqrt(51)), 1e-9, "TOST p lower");
  near(uc.tost.pUpper, 0.5 - 8 / (2 * Math.sqrt(66)), 1e-9, "TOST p upper");
  near(uc.pTostHolm, 3 * (0.5 - 7 / (2 * Math.sqrt(51))), 1e-9, "TOST Holm p");
  assert.equal(uc.verdict.word, "equivalent");
  assert.equal(uc.verdict.text, "equivalent (within ±5%)");
  // The gain over vanilla is the sampler's: better than vanilla, equivalent to its own control.
  assert.deepEqual(uw.verdicts, { control: uc.verdict, vanilla: uv.verdict });
  // MDE: d(3, 0.05, 0.8) = 3.26404 (SciPy) · sd / |reference mean|.
  near(uc.mde, 3.2640435496995694 * 0.02 / Math.sqrt(3) / 1.0, 1e-8, "MDE");
  near(uc.mdeHolm, minimumDetectableEffect(3, 0.05 / 3) * 0.02 / Math.sqrt(3), 1e-10, "MDE under Holm");
});

Deno.test("verdicts: inconclusive with its MDE; saturated when vanilla is inside the floor band", () => {
  // Δ = −0.1, +0.05, −0.1: mean −0.05, sd √0.0075, t = −1, p = 1 − 1/√3; TOST p⁻ = ½ − 0.1/(2√2.01).
  const runs = [0, 1, 2].flatMap((seed) => [
    fakeRun({
      method: "vanilla",
      objective: "none",
      k: 1,
      seed,
      curves: { "fd-data": [2, [1.0, 1.2, 1.1][seed]] },
    }),
    fakeRun({
      method: "uw",
      objective: "timestep",
      k: 2,
      seed,
      curves: { "fd-data": [2, [0.9, 1.25, 1.0][seed]] },
    }),
  ]);
  const [g] = aggregate(runs);
  const c = comparisonOf(g.rows[1].metrics[0], "vanilla")!;
  near(c.pairedT.p, 1 - 1 / Math.sqrt(3), 1e-9, "p");
  near(c.tost.p, 0.5 - 0.1 / (2 * Math.sqrt(2.01)), 1e-9, "TOST p");
  near(c.mde, 3.2640435496995694 * Math.sqrt(0.0075) / 1.1, 1e-8, "MDE");
  assert.equal(c.verdict.word, "inconclusive");
  assert.equal(c.verdict.text, "inconclusive (MDE ±25.7%; ±25.7% under Holm)");
  assert.equal(g.floors["fd-data"], null);
  assert.match(renderMarkdown("t", "", runs, [g]), /FD-data ↓ \(floor: not measured\)/);
  assert.match(renderMarkdown("t", "", runs, [g]), /Caution: 1 row\(s\) use the stratified sampler/);

  const withFloor = runs.map((r) => ({ ...r, floors: { "fd-data": floor("fd-data", 0.5, 1.5) } }));
  const [s] = aggregate(withFloor);
  assert.equal(s.saturated["fd-data"], true, "vanilla's mean 1.1 ≤ hi 1.5");
  const sc = comparisonOf(s.rows[1].metrics[0], "vanilla")!;
  assert.equal(sc.saturated, true);
  assert.equal(sc.verdict.text, "saturated (metric at its real-vs-real floor)");
  const md = renderMarkdown("t", "", withFloor, [s]);
  assert.match(md, /FD-data ↓ \(floor 0\.5–1\.5; vanilla saturated\)/);
  assert.match(md, /vanilla's mean 1\.1 lies inside it: \*\*saturated\*\*/);
  // Higher-is-better metrics are at their floor at or above lo.
  const [hi] = aggregate(withFloor.map((r) => ({ ...r, floors: { "fd-data": floor("fd-data", 0.2, 1.0) } })));
  assert.equal(hi.saturated["fd-data"], false, "1.1 > hi 1.0 for a lower-is-better metric");
  // results.json carries the floor, the saturation, Holm p, MDE and the verdict per comparison.
  // deno-lint-ignore no-explicit-any -- reading a JSON document in a test
  const rj = buildResultsJson("t", withFloor, [s]) as any;
  assert.equal(rj.schema, "antbench.results/2");
  const m = rj.groups[0].rows[1].metrics[0];
  assert.equal(m.floor.hi, 1.5);
  assert.equal(m.vanillaSaturated, true);
  assert.equal(m.comparisons[0].verdict.word, "saturated");
  assert.ok(Math.abs(m.comparisons[0].pHolm - (1 - 1 / Math.sqrt(3))) < 1e-6);
  assert.equal(rj.groups[0].headline, "fd-data");
  assert.match(rj.groups[0].verdictRule.text, /Holm-adjusted together/);
});

Deno.test("verdicts: the headline metric carries the row verdict; Holm counts every metric", () => {
  const runs = [0, 1, 2].flatMap((seed) => [
    fakeRun({
      method: "vanilla",
      objective: "none",
      k: 1,
      seed,
      curves: { "fd-data": [2, [1.0, 1.1, 1.2][seed]], "swd-data": [2, [2.0, 2.2, 2.4][seed]] },
    }),
    fakeRun({
      method: "uw",
      objective: "timestep",
      k: 2,
      seed,
      curves: { "fd-data": [2, [0.89, 1.01, 1.09][seed]], "swd-data": [2, [2.0, 2.25, 2.4][seed]] },
    }),
  ]);
  const [byFd] = aggregate(runs);
  const [bySwd] = aggregate(runs, { headline: "swd" });
  assert.equal(byFd.headline, "fd-data");
  assert.equal(bySwd.headline, "swd-data");
  assert.equal(byFd.family.tests, 2, "one comparison × two metrics");
  const fd = comparisonOf(byFd.rows[1].metrics[0], "vanilla")!;
  near(fd.pHolm, Math.min(1, 2 * fd.pairedT.p), 1e-12, "Holm with m = 2 for the smaller p");
  assert.equal(byFd.rows[1].verdicts.vanilla, fd.verdict);
  assert.equal(bySwd.rows[1].verdicts.vanilla, comparisonOf(bySwd.rows[1].metrics[1], "vanilla")!.verdict);
  assert.notEqual(byFd.rows[1].verdicts.vanilla!.word, bySwd.rows[1].verdicts.vanilla!.word);
});
