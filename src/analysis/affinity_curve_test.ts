import assert from "node:assert/strict";
import { gapSpearman, logSnrGapCurve, ranks, spearman, timestepGapCurve } from "./affinity_curve.ts";
import { affinityCurveMarkdown, affinityCurveReport } from "./affinity_report.ts";
import { makeSchedule } from "../diffusion/schedule.ts";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

Deno.test("spearman: average ranks for ties; hand-derived value (= scipy.stats.spearmanr)", () => {
  assert.deepEqual(ranks([5, 6, 7, 8, 7]), [1, 2, 3.5, 5, 3.5]);
  // Pearson of ranks [1..5] and [1, 2, 3.5, 5, 3.5]: Σ dx·dy = 8, Σ dx² = 10, Σ dy² = 9.5 → 8 / √95.
  close(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), 8 / Math.sqrt(95));
  close(spearman([1, 2, 3], [3, 2, 1]), -1);
  assert.ok(Number.isNaN(spearman([1, 2, 3], [4, 4, 4])));
});

/** A grid matrix with entries f(|g_a − g_b|). */
function matrixOf(grid: number[], f: (gap: number) => number): Float64Array {
  const m = grid.length;
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      out[a * m + b] = a === b ? 1 : f(Math.abs(grid[a] - grid[b]));
    }
  }
  return out;
}

Deno.test("affinity curve: pairs binned by the grid step, per-checkpoint means, min/max over checkpoints", () => {
  // T = 30, G = 10: grid 0, 10, 20, 29. Pair gaps: 10, 20, 29, 10, 19, 9 → bins 10 {10, 10, 9}, 20 {20, 19}, 30 {29}.
  const grid = Int32Array.from([0, 10, 20, 29]);
  const A = matrixOf([0, 10, 20, 29], (g) => 1 - g / 30);
  const B = matrixOf([0, 10, 20, 29], (g) => 1 - g / 15);
  const bins = timestepGapCurve(grid, [A, B], 10);
  assert.deepEqual(bins.map((b) => [b.gap, b.pairs]), [[10, 3], [20, 2], [30, 1]]);
  close(bins[0].perCheckpoint[0], 1 - 29 / 90);
  close(bins[0].perCheckpoint[1], 1 - 29 / 45);
  close(bins[1].perCheckpoint[0], 1 - 39 / 60);
  close(bins[2].mean, ((1 - 29 / 30) + (1 - 29 / 15)) / 2);
  close(bins[0].min, 1 - 29 / 45);
  close(bins[0].max, 1 - 29 / 90);
  // Affinity strictly decreasing in the gap: ρ = −1 exactly.
  close(gapSpearman(grid, A, (a, b) => Math.abs(a - b)), -1);
  const lam = Float64Array.from({ length: 30 }, (_, t) => 5 - t / 3);
  const byLam = logSnrGapCurve(grid, [A], lam, 3);
  assert.equal(byLam.length, 3);
  assert.ok(byLam[0].gap < byLam[1].gap && byLam[1].gap < byLam[2].gap);
  assert.equal(byLam.reduce((s, b) => s + b.pairs, 0), 6);
});

Deno.test("affinity curve report: ρ per checkpoint, and its 95% t-interval over runs at one step", () => {
  const schedule = makeSchedule("linear", 30);
  const grid = Int32Array.from([0, 10, 20, 29]);
  const g = [0, 10, 20, 29];
  const ckpts = [
    { dir: "a/step-5", step: 5, matrix: matrixOf(g, (x) => 1 - x / 30) },
    { dir: "a/step-9", step: 9, matrix: matrixOf(g, (x) => 1 - x / 40) },
    { dir: "b/step-9", step: 9, matrix: matrixOf(g, (x) => (x === 19 ? 0.9 : 1 - x / 40)) },
  ];
  const rep = affinityCurveReport(ckpts, grid, 10, schedule);
  assert.deepEqual(rep.checkpoints.map((c) => c.step), [5, 9, 9]);
  close(rep.checkpoints[0].rhoTimestep, -1);
  const at9 = rep.bySteps.find((s) => s.step === 9)!;
  assert.equal(at9.n, 2);
  const v = at9.timestep.values;
  const m = (v[0] + v[1]) / 2, sd = Math.abs(v[0] - v[1]) / Math.sqrt(2);
  close(at9.timestep.hi, m + 12.706204736174707 * sd / Math.sqrt(2), 1e-9); // t.ppf(0.975, 1)
  const md = affinityCurveMarkdown(rep, "test");
  assert.match(md, /\| step 9 \(run 2\) \| b\/step-9 \|/);
});
