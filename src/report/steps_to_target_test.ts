import assert from "node:assert/strict";
import { interpolatedReach, meanCurve, stepsToTarget } from "./steps_to_target.ts";
import { aggregate } from "./aggregate.ts";
import { fakeRun } from "./test_results.ts";
import { DEFAULT_REPORT_SETTINGS } from "./settings.ts";
import { renderMarkdown } from "./markdown.ts";

function near(actual: number | null | undefined, expected: number, what: string): void {
  assert.ok(
    actual != null && Math.abs(actual - expected) < 1e-9,
    `${what}: got ${actual}, expected ${expected}`,
  );
}

Deno.test("interpolatedReach: linear between the bracketing evaluations; upper bound at the first one", () => {
  // (10, 2.0) → (20, 0.5): 1.1 is reached 0.9/1.5 = 60% of the way: step 16.
  assert.deepEqual(interpolatedReach([[10, 2], [20, 0.5], [30, 1.3]], 1.1, "lower"), {
    step: 16,
    atFirst: false,
  });
  assert.deepEqual(interpolatedReach([[10, 1], [20, 0.5]], 1.1, "lower"), { step: 10, atFirst: true });
  assert.equal(interpolatedReach([[10, 2], [20, 1.5]], 1.1, "lower"), null);
  // Higher is better: (10, 0.2) → (20, 0.8) reaches 0.6 at two thirds: 16.667.
  near(interpolatedReach([[10, 0.2], [20, 0.8]], 0.6, "higher")!.step, 10 + 10 * 2 / 3, "higher");
  assert.deepEqual(
    meanCurve([[[10, 1], [20, 3]], [[10, 3], [30, 5]]]),
    [[10, 2]],
    "only steps all curves have",
  );
});

// Vanilla [3, 2, 1] and [3.2, 2.2, 1.2] at steps 10, 20, 30: target 1.1, vanilla's mean curve reaches it at 30.
// "good": [2.0, 0.5, 0.9], [2.2, 0.7, 1.1]: mean [2.1, 0.6, 1.0] reaches 1.1 at 10 + 10·(1/1.5) = 16.667 and
// ends better than the target: speed-up 30 / 16.667 = 1.8. Per seed: 10 + 10·0.9/1.5 = 16 and 10 + 10·1.1/1.5.
// Every bootstrap resample ({0,0}, {1,1}, {0,1}) gives 16.667 and 1.8 again (e.g. {0,0}: target 1.0, vanilla 30,
// row 10 + 10·1/1.5), so both intervals are exact points. "late": [2.0, 0.5, 1.3], [2.2, 0.7, 1.5] reaches the
// target at 16.667 too but ends worse (1.4 > 1.1): no speed-up.
const vanilla = [[3, 2, 1], [3.2, 2.2, 1.2]];
const good = [[2.0, 0.5, 0.9], [2.2, 0.7, 1.1]];
const late = [[2.0, 0.5, 1.3], [2.2, 0.7, 1.5]];
const runs = [0, 1].flatMap((seed) => [
  fakeRun({ method: "vanilla", objective: "none", k: 1, seed, curves: { "fd-data": vanilla[seed] } }),
  fakeRun({ method: "uw", objective: "snr", k: 2, seed, curves: { "fd-data": good[seed] } }),
  fakeRun({ method: "pcgrad", objective: "snr", k: 2, seed, curves: { "fd-data": late[seed] } }),
]);

Deno.test("steps to target: interpolated, bootstrap interval over seeds, no speed-up when the final is worse", () => {
  const [g] = aggregate(runs);
  const base = g.baseline!.stepsToTarget!;
  near(base.target, 1.1, "target");
  near(base.mean, 30, "vanilla");
  assert.equal(base.speedup, 1);
  const uw = g.rows.find((r) => r.method.id === "uw")!.stepsToTarget!;
  near(uw.mean, 10 + 10 / 1.5, "uw mean curve");
  near(uw.perSeed[0], 16, "seed 0");
  near(uw.perSeed[1], 10 + 10 * 1.1 / 1.5, "seed 1");
  near(uw.speedup, 1.8, "speed-up");
  near(uw.ci![0], 10 + 10 / 1.5, "ci lo");
  near(uw.ci![1], 10 + 10 / 1.5, "ci hi");
  near(uw.speedupCi![0], 1.8, "speed-up ci lo");
  near(uw.speedupCi![1], 1.8, "speed-up ci hi");
  assert.equal(uw.evalPoints, 3);
  const pc = g.rows.find((r) => r.method.id === "pcgrad")!.stepsToTarget!;
  near(pc.mean, 10 + 10 / 1.5, "late row reaches the target");
  assert.equal(pc.speedup, null);
  assert.equal(pc.withheld, "final value worse than the target");
  assert.equal(pc.speedupCi, null);
  const md = renderMarkdown("t", "", runs, [g]);
  assert.match(
    md,
    /\| snr \| 2 \| stratified \| uw \| 2 \|.*\| 16\.67 \[16\.67, 16\.67\] \(2\/2 seeds\) \| 1\.8× \[1\.8, 1\.8\] \|/,
  );
  assert.match(md, /\| pcgrad \|.*\| n\/a \(final value worse than the target\) \|/);
});

Deno.test("steps to target: the bootstrap is seeded (deterministic) and its interval brackets the resamples", () => {
  // Three seeds with different curves: a non-degenerate bootstrap.
  const v = [[3, 2, 1], [3.4, 2.1, 1.3], [2.9, 1.7, 1.1]];
  const r = [[2.5, 1.0, 0.9], [2.2, 1.6, 1.2], [2.8, 1.2, 1.0]];
  const base = [0, 1, 2].map((seed) =>
    fakeRun({ method: "vanilla", objective: "none", k: 1, seed, curves: { "fd-data": v[seed] } })
  );
  const row = [0, 1, 2].map((seed) =>
    fakeRun({ method: "uw", objective: "snr", k: 2, seed, curves: { "fd-data": r[seed] } })
  );
  const a = stepsToTarget(row, base, "fd-data", "lower", DEFAULT_REPORT_SETTINGS)!;
  const b = stepsToTarget(row, base, "fd-data", "lower", DEFAULT_REPORT_SETTINGS)!;
  assert.deepEqual(a, b);
  assert.ok(a.ci![0]! < a.ci![1]!, `a real interval: ${a.ci}`);
  assert.ok(a.ci![0]! >= 10 && a.ci![1]! <= 30);
  const other = stepsToTarget(row, base, "fd-data", "lower", {
    ...DEFAULT_REPORT_SETTINGS,
    bootstrapSeed: 7,
  })!;
  assert.equal(other.mean, a.mean, "the point estimate does not depend on the bootstrap");
});
