import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "../runtime/gradients.ts";
import { clusterGradients, combineGradients, readGramAndLosses } from "./cluster_grads.ts";
import { gramMatrix } from "./nash_solver.ts";
import { clusterGrads, hostGrads, linearProblem, relErr } from "./testing.ts";

await tf.setBackend("cpu");

Deno.test("cluster gradients: per-cluster grads, host and device Gram paths agree with the closed form", async () => {
  const cluster = Int32Array.from([0, 1, 1, 3, 3, 3, 0]); // cluster 2 empty
  const p = linearProblem(12, 4, cluster, 4, { scale: [1, 2, 1, 0.5] });
  const ref = clusterGrads(p);
  const present = ref.grad.filter((g) => g !== null) as Float64Array[];
  const cg = clusterGradients(p.batch, p.variables);
  assert.deepEqual(cg.tasks, [0, 1, 3]);
  assert.deepEqual(cg.counts, [2, 2, 3]);
  cg.grads.forEach((g, a) => assert.ok(relErr(hostGrads(g), present[a]) < 1e-5));
  const expectedGram = gramMatrix(present);
  for (const where of ["host", "device"] as const) {
    const { gram, losses } = await readGramAndLosses(cg, where);
    assert.ok(relErr(gram, expectedGram) < 1e-5, where);
    assert.ok(relErr(losses, [ref.loss[0]!, ref.loss[1]!, ref.loss[3]!]) < 1e-5, where);
  }
  const combined = combineGradients(cg, [2, -1, 0.5], p.variables);
  const expected = present[0].map((v, j) => 2 * v - present[1][j] + 0.5 * present[2][j]);
  assert.ok(relErr(hostGrads(combined), expected) < 1e-5);
  tf.dispose(combined);
  cg.dispose();
  p.dispose();
});
