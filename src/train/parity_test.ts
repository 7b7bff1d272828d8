/**
 * Cross-framework parity (issue 8): antbench's training (wasm backend, the shared stepper, the registered
 * models and methods) against the independent PyTorch reference in benchmarks/peers/torch/, from identical
 * weights, batches, timesteps, noise and PCGrad orders, for every model × method.
 *
 * Each case trains 50 steps. Checked per case:
 * - the batch loss of every step:                     max relative difference   ≤ 1e-4
 * - step 0, the gradient of every cluster's loss l_i:  ‖a − b‖ / ‖b‖             ≤ 1e-5
 * - step 0, the method's combined gradient:            ‖a − b‖ / ‖b‖             ≤ 1e-5
 * - the weights after step 0:                          ‖a − b‖ / ‖b‖             ≤ 1e-6
 * - the weights and the EMA after the last step:       ‖a − b‖ / ‖b‖             ≤ 1e-4
 * - method state: UW's s_i (rel. 1e-4), Nash α (rel. 1e-4), PCGrad's projection count (exact).
 *
 * Why these tolerances (float32): both sides round every op to float32 (unit roundoff u = 6e-8) but in
 * different orders (XNNPACK vs oneDNN/ATen reductions and convolutions), so single-pass quantities differ
 * by a few u times √(reduction length): measured ≤ 4e-7 for gradients and updates, the same size as
 * torch-float32 vs torch-float64. Over 50 Adam steps the difference grows (Adam divides by √v̂, so small
 * gradient components carry relative errors into the update, and tfjs's bias correction 1 − β₂ᵗ is
 * computed in float32 from β₂ = 0.999 rounded to float32, a systematic 6e-6 relative step-size change);
 * measured ≤ 5e-6 on losses and ≤ 2e-6 on final weights. The bounds leave a margin of 20–25× over
 * the worst measured case while staying three orders of magnitude below the effect of any real
 * discrepancy we could think of (a wrong Adam ε or β, EMA warm-up, a layer order, a 1/k factor, a missing
 * clip: all ≥ 1e-3 relative). The float64 PyTorch run is kept as an anchor: antbench's distance to it
 * must be of the same order as PyTorch-float32's (checked on the losses with a factor of 50).
 *
 * PyTorch is required: Debian's python3-torch at /usr/bin/python3 (scripts/setup.sh installs it). When it is
 * missing the test fails with the install command; it never skips.
 */
import assert from "node:assert/strict";
import type { ParityRun, Trajectory } from "./parity_export.ts";
import { PARITY_CASES as CASES, PARITY_TOLERANCES as TOL } from "./parity_cases.ts";
import {
  exportParityCase,
  maxRelDiff,
  readTrajectory,
  relL2,
  runTorchParity,
  TORCH_INSTALL_HINT,
  torchVersion,
} from "./parity_export.ts";
import { initBackend } from "../runtime/backend.ts";

function check(name: string, value: number, tol: number): string | null {
  return value <= tol ? null : `${name}: ${value.toExponential(3)} > tolerance ${tol.toExponential(1)}`;
}

function compare(run: ParityRun, torch: Trajectory, torch64: Trajectory | null): string[] {
  const a = run.trajectory;
  const problems: (string | null)[] = [];
  problems.push(check("losses (max rel)", maxRelDiff(a.losses, torch.losses), TOL.loss));
  assert.equal(a.clusterGrads.length, torch.clusterGrads.length, "number of non-empty clusters at step 0");
  a.clusterGrads.forEach((g, i) =>
    problems.push(check(`cluster ${i} gradient at step 0`, relL2(g, torch.clusterGrads[i]), TOL.clusterGrad))
  );
  problems.push(check("combined update at step 0", relL2(a.update, torch.update), TOL.update));
  problems.push(check("weights after step 0", relL2(a.weights1, torch.weights1), TOL.weights1));
  problems.push(check("final weights", relL2(a.final, torch.final), TOL.final));
  if (!a.ema || !torch.ema) throw new Error("both sides must keep an EMA");
  problems.push(check("final EMA", relL2(a.ema, torch.ema), TOL.final));
  if (torch64) {
    // Float64 anchor: antbench is not systematically further from exact arithmetic than PyTorch-float32.
    const ours = maxRelDiff(a.losses, torch64.losses);
    const theirs = maxRelDiff(torch.losses, torch64.losses);
    problems.push(
      check("losses vs float64 (antbench / torch32 distance)", ours / Math.max(theirs, 1e-7), 100),
    );
  }
  return problems.filter((p): p is string => p !== null);
}

function methodState(run: ParityRun, summary: Record<string, unknown>): string[] {
  const id = summary.method as Record<string, unknown> | undefined;
  if (!id) return [];
  const problems: string[] = [];
  const last = run.logs[run.logs.length - 1] ?? {};
  if ("s" in id) {
    const ours = last.s as number[];
    const v = maxRelDiff(ours, id.s as number[]);
    if (!(v <= TOL.state)) problems.push(`UW s_i: ${ours} vs ${id.s} (${v.toExponential(2)})`);
  }
  if ("alpha" in id) {
    const solveLogs = run.logs.filter((l) => "alpha" in l);
    const ours = solveLogs[solveLogs.length - 1].alpha as number[];
    const v = maxRelDiff(ours, id.alpha as number[]);
    if (!(v <= TOL.state)) problems.push(`Nash alpha: ${ours} vs ${id.alpha} (${v.toExponential(2)})`);
    if (solveLogs.length !== id.solves) problems.push(`Nash solves: ${solveLogs.length} vs ${id.solves}`);
  }
  if ("projections" in id) {
    const ours = run.logs.reduce((s, l) => s + (l.projections as number), 0);
    if (ours !== id.projections) problems.push(`PCGrad projections: ${ours} vs ${id.projections}`);
  }
  return problems;
}

Deno.test("parity: the PyTorch reference is installed", async () => {
  const version = await torchVersion();
  assert.match(version, /^\d+\.\d+/, `torch version string ${version}`);
  assert.ok(TORCH_INSTALL_HINT.includes("python3-torch"));
});

Deno.test("parity: a missing PyTorch fails with the install command, it does not skip", async () => {
  await assert.rejects(
    () => torchVersion("/nonexistent/python3"),
    (e: Error) => e.message.includes("apt-get install -y python3-torch python3-numpy"),
  );
  // An interpreter without torch (e.g. a pyenv python3 on PATH) gets the same message.
  await assert.rejects(
    () => torchVersion("/bin/false"),
    (e: Error) => e.message.includes("python3-torch") && e.message.includes("/bin/false"),
  );
});

Deno.test("parity: antbench (wasm) and PyTorch train the same trajectory", async (t) => {
  await initBackend("wasm");
  const root = await Deno.makeTempDir({ prefix: "antbench-parity-" });
  try {
    const runs: ParityRun[] = [];
    for (const c of CASES) runs.push(await exportParityCase(c, `${root}/${c.name}`));
    const summaries = await runTorchParity(runs.map((r) => r.dir));
    for (const [i, run] of runs.entries()) {
      await t.step(CASES[i].name, async () => {
        const t32 = await readTrajectory(run.dir, "torch32_");
        const t64 = CASES[i].referenceDtypes?.includes("float64") === false
          ? null
          : await readTrajectory(run.dir, "torch64_");
        const s32 = summaries.find((s) => s.case === CASES[i].name && s.dtype === "float32")!;
        const problems = [...compare(run, t32, t64), ...methodState(run, s32)];
        assert.deepEqual(problems, [], `${CASES[i].name}: antbench and PyTorch disagree`);
        // The run must actually train: the parity of a frozen model would be vacuous.
        assert.ok(relL2(run.trajectory.final, run.trajectory.weights1) > 1e-3, "weights moved");
      });
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
