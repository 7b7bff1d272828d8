import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "../runtime/gradients.ts";
import { clipCoefficient, clipGradients, nashMtlFactory } from "./nashmtl.ts";
import { nashMtlWeights } from "./nash_solver.ts";
import { clusterGrads, hostGrads, linearLossBatch, linearProblem, relErr } from "./testing.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import { resolveMethodOptions } from "./registry.ts";

await tf.setBackend("cpu");

/** Σ_i α_i g_i / k clipped to maxNorm with torch's rule, in float64. */
function expectedUpdate(
  grads: Float64Array[],
  alpha: ArrayLike<number>,
  k: number,
  maxNorm: number,
): Float64Array {
  const P = grads[0].length;
  const u = new Float64Array(P);
  grads.forEach((g, a) => g.forEach((v, p) => (u[p] += (alpha[a] * v) / k)));
  const norm = Math.sqrt(u.reduce((s, v) => s + v * v, 0));
  const c = clipCoefficient(norm, maxNorm);
  return u.map((v) => v * c);
}

Deno.test("nashmtl: clip coefficient follows torch clip_grad_norm_ (max_norm / (norm + 1e-6), capped at 1)", () => {
  assert.equal(clipCoefficient(0.5, 1), 1);
  assert.equal(clipCoefficient(4, 1), 1 / (4 + 1e-6));
});

Deno.test("nashmtl: solve step and reuse steps equal the float64 reference on a linear model", async () => {
  const cluster = Int32Array.from([0, 0, 1, 1, 1, 2, 2, 2, 2]);
  const p = linearProblem(21, 3, cluster, 3, { scale: [1, 2, 0.5] });
  const { options } = resolveMethodOptions("nashmtl", { updateEvery: 3, maxNorm: 1 });
  const m = nashMtlFactory.create(options as never, { k: 3, schedule: p.batch.schedule, runSeed: 0 });
  let alpha: ArrayLike<number> = [];
  for (let step = 0; step < 5; step++) {
    const { grad } = clusterGrads(p);
    const gs = grad as Float64Array[];
    if (step % 3 === 0) alpha = nashMtlWeights(gs); // steps 0 and 3 solve; 1, 2, 4 reuse
    const res = await m.step(p.batch, p.variables, step);
    assert.ok(relErr(hostGrads(res.grads), expectedUpdate(gs, alpha, 3, 1)) < 2e-5, `step ${step}`);
    if (step % 3 === 0) {
      assert.ok(relErr(res.logs!.alpha as number[], alpha) < 1e-4, `alpha at step ${step}`);
      assert.ok((res.logs!.residual as number) < 1e-6);
    }
    p.w.assign(tf.sub(p.w, tf.mul(res.grads[0], 0.3)));
    tf.dispose([...res.grads, res.loss]);
  }
  const s = await m.summary();
  assert.equal(s.solves, 2);
  assert.equal(s.failureCount, 0);
  assert.ok((s.maxResidual as number) < 1e-6);
  p.dispose();
});

Deno.test("nashmtl: orthogonal cluster gradients get alpha_i = 1/|g_i|; the official clip does not bind", async () => {
  // g_0 = (3, 0), g_1 = (0, 1): M = diag(9, 1), alpha = (1/3, 1) (alpha_i^2 |g_i|^2 = 1).
  const b = linearLossBatch([[3, 0], [0, 1]], Int32Array.from([0, 1]), 2);
  const m = nashMtlFactory.create({ updateEvery: 25, maxNorm: 1 }, {
    k: 2,
    schedule: b.batch.schedule,
    runSeed: 0,
  });
  const res = await m.step(b.batch, [b.w], 0);
  assert.ok(relErr(res.logs!.alpha as number[], [1 / 3, 1]) < 1e-6);
  // Update Σ α_i g_i / 2 = (1/2, 1/2): norm 1/sqrt(2) = sqrt(k)/k below maxNorm = 1, so unclipped.
  assert.ok(relErr(hostGrads(res.grads), [0.5, 0.5]) < 1e-6);
  assert.equal((await m.summary()).clippedSolveSteps, 0);
  tf.dispose([...res.grads, res.loss]);
  b.dispose();
});

Deno.test("nashmtl: the solve-step update has norm 1/sqrt(k) whatever the gradient scale (||sum a_i g_i||^2 = k)", async () => {
  for (const scale of [1e-3, 1, 300]) {
    const grads = [[1, 2, 0.5], [-0.3, 1, 2], [0.2, -1, 1]].map((g) => g.map((v) => v * scale));
    const b = linearLossBatch(grads, Int32Array.from([0, 1, 2]), 3);
    const m = nashMtlFactory.create({ updateEvery: 25, maxNorm: 1 }, {
      k: 3,
      schedule: b.batch.schedule,
      runSeed: 0,
    });
    const res = await m.step(b.batch, [b.w], 0);
    const u = hostGrads(res.grads);
    const norm = Math.sqrt(u.reduce((s, v) => s + v * v, 0));
    assert.ok(Math.abs(norm - 1 / Math.sqrt(3)) < 1e-5, `scale ${scale}: norm ${norm}`);
    assert.equal((await m.summary()).clippedSolveSteps, 0);
    tf.dispose([...res.grads, res.loss]);
    b.dispose();
  }
});

Deno.test("nashmtl: a failed solve is reported with its residual and keeps the previous alpha", async () => {
  const m = nashMtlFactory.create({ updateEvery: 1, maxNorm: 1 }, {
    k: 2,
    schedule: makeSchedule("linear", 10),
    runSeed: 0,
  });
  // Step 0: solvable (orthogonal) -> alpha = (1, 1/2) for g = (1,0), (0,2).
  const ok = linearLossBatch([[1, 0], [0, 2]], Int32Array.from([0, 1]), 2);
  const r0 = await m.step(ok.batch, [ok.w], 0);
  const a0 = r0.logs!.alpha as number[];
  // Step 1: exactly opposite gradients: no Nash solution exists.
  const bad = linearLossBatch([[1, 2], [-1, -2]], Int32Array.from([0, 1]), 2);
  const origWarn = console.warn;
  const warnings: string[] = [];
  console.warn = (msg: string) => warnings.push(msg);
  let r1;
  try {
    r1 = await m.step(bad.batch, [bad.w], 1);
  } finally {
    console.warn = origWarn;
  }
  assert.equal(r1.logs!.solveFailed, 1);
  assert.deepEqual(r1.logs!.alpha, a0); // previous alpha kept, not equal weights
  assert.notDeepEqual(a0, [1, 1]);
  assert.equal(warnings.length, 1);
  const s = await m.summary();
  assert.equal(s.failureCount, 1);
  const f = (s.failures as { step: number; reason: string; residual: number }[])[0];
  assert.equal(f.step, 1);
  assert.match(f.reason, /no Nash solution/);
  assert.ok(Number.isFinite(f.residual));
  // The update used the kept alpha: (α_0 (1,2) + α_1 (-1,-2)) / 2, clipped to norm 1.
  const u = [(a0[0] - a0[1]) / 2, (2 * a0[0] - 2 * a0[1]) / 2];
  const n = Math.hypot(u[0], u[1]);
  const c = clipCoefficient(n, 1);
  assert.ok(relErr(hostGrads(r1.grads), u.map((v) => v * c)) < 1e-5);
  tf.dispose([...r0.grads, r0.loss, ...r1.grads, r1.loss]);
  ok.dispose();
  bad.dispose();
});

Deno.test("nashmtl: empty cluster keeps its alpha and is left out of the solve", async () => {
  const m = nashMtlFactory.create({ updateEvery: 1, maxNorm: 10 }, {
    k: 3,
    schedule: makeSchedule("linear", 10),
    runSeed: 0,
  });
  const b = linearLossBatch([[1, 0], [0, 1]], Int32Array.from([0, 2]), 3);
  const r = await m.step(b.batch, [b.w], 0);
  const a = r.logs!.alpha as number[];
  // Present tasks g = e_1, e_2: M = I, alpha = 1; absent cluster 1 keeps its initial alpha = 1.
  assert.ok(relErr(a, [1, 1, 1]) < 1e-9);
  assert.ok(relErr(hostGrads(r.grads), [1 / 3, 1 / 3]) < 1e-6);
  tf.dispose([...r.grads, r.loss]);
  b.dispose();
});

Deno.test("nashmtl: options are validated with the option name and allowed values", () => {
  const { problems } = resolveMethodOptions("nashmtl", { updateEvery: 0, maxNorm: -1, foo: 1 });
  assert.equal(problems.length, 3);
  assert.ok(problems.some((p) => p.includes("method.nashmtl.updateEvery")));
  assert.ok(problems.some((p) => p.includes("method.nashmtl.foo")));
});

Deno.test("nashmtl: clipGradients scales to maxNorm, host and device paths alike", async () => {
  // Global norm of {(3, 4), (12)} is 13.
  const c = 1 / (13 + 1e-6);
  for (const where of ["host", "device"] as const) {
    const out = await clipGradients([tf.tensor1d([3, 4]), tf.tensor1d([12])], 1, where);
    assert.ok(relErr(out.flatMap((g) => Array.from(g.dataSync())), [3 * c, 4 * c, 12 * c]) < 1e-6, where);
    tf.dispose(out);
    const below = await clipGradients([tf.tensor1d([3, 4]), tf.tensor1d([12])], 100, where);
    assert.deepEqual(below.flatMap((g) => Array.from(g.dataSync())), [3, 4, 12]);
    tf.dispose(below);
  }
});
