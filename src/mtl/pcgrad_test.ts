import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "../runtime/gradients.ts";
import { pcgradFactory } from "./pcgrad.ts";
import { pcgrad } from "./pcgrad_core.ts";
import { clusterGrads, hostGrads, linearLossBatch, linearProblem, relErr } from "./testing.ts";
import { makeSchedule } from "../diffusion/schedule.ts";

await tf.setBackend("cpu");

Deno.test("pcgrad method: tfjs step equals the float64 core on the closed-form cluster gradients, / k", async () => {
  // Four clusters with different scales so that some gradients conflict; cluster 2 is empty.
  const cluster = Int32Array.from([0, 0, 0, 1, 1, 1, 1, 3, 3, 3]);
  const p = linearProblem(5, 3, cluster, 4, { scale: [1, 3, 1, 0.5] });
  const m = pcgradFactory.create({}, { k: 4, schedule: p.batch.schedule, runSeed: 77 });
  let sawConflict = false;
  for (const step of [0, 1, 2, 3, 4, 5]) {
    const { loss, grad } = clusterGrads(p);
    const present = grad.filter((g) => g !== null) as Float64Array[];
    const expected = pcgrad(present, 77, step).map((v) => v / 4);
    const res = await m.step(p.batch, p.variables, step);
    assert.ok(relErr(hostGrads(res.grads), expected) < 1e-5, `step ${step}`);
    // Plain loss = mean over samples; cluster losses NaN for the empty cluster.
    const plain = (3 * loss[0]! + 4 * loss[1]! + 3 * loss[3]!) / 10;
    assert.ok(Math.abs(res.loss.dataSync()[0] - plain) < 1e-5 * Math.max(1, plain));
    assert.ok(Number.isNaN(res.clusterLosses![2]));
    assert.ok(Math.abs(res.clusterLosses![1] - loss[1]!) < 1e-5 * Math.max(1, loss[1]!));
    sawConflict ||= (res.logs!.conflictingPairs as number) > 0;
    // Move the parameters so the next step sees different gradients.
    p.w.assign(tf.sub(p.w, tf.mul(res.grads[0], 0.05)));
    tf.dispose([...res.grads, res.loss]);
  }
  assert.ok(sawConflict, "the test problem must exercise projections");
  const summary = await m.summary();
  assert.equal(summary.steps, 6);
  assert.equal(summary.skippedClusters, 6);
  p.dispose();
});

Deno.test("pcgrad method: hand-derived cases through tfjs (conflict, no conflict, empty cluster)", async () => {
  const m = pcgradFactory.create({}, { k: 2, schedule: makeSchedule("linear", 10), runSeed: 1 });
  // Conflict: g_0 = (1, 0), g_1 = (-1, 1) -> sum of projections (1/2, 3/2), scaled by 1/k = 1/2.
  const a = linearLossBatch([[1, 0], [-1, 1]], Int32Array.from([0, 1]), 2);
  const ra = await m.step(a.batch, [a.w], 0);
  assert.ok(relErr(hostGrads(ra.grads), [0.25, 0.75]) < 1e-6);
  assert.equal(ra.logs!.projections, 2);
  // No conflict: the update is (g_0 + g_1) / k.
  const b = linearLossBatch([[1, 2], [3, -1]], Int32Array.from([0, 1]), 2);
  const rb = await m.step(b.batch, [b.w], 1);
  assert.ok(relErr(hostGrads(rb.grads), [2, 0.5]) < 1e-6);
  assert.equal(rb.logs!.projections, 0);
  // Two samples in cluster 0 (mean gradient (1, 1)), cluster 1 empty: update = g_0 / k.
  const c = linearLossBatch([[2, 0], [0, 2]], Int32Array.from([0, 0]), 2);
  const rc = await m.step(c.batch, [c.w], 2);
  assert.ok(relErr(hostGrads(rc.grads), [0.5, 0.5]) < 1e-6);
  tf.dispose([...ra.grads, ra.loss, ...rb.grads, rb.loss, ...rc.grads, rc.loss]);
  for (const x of [a, b, c]) x.dispose();
  assert.deepEqual(await m.summary(), {
    steps: 3,
    projections: 2,
    conflictingPairs: 1,
    conflictRate: 1 / 2,
    skippedClusters: 1,
  });
});
