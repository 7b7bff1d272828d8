import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "../runtime/gradients.ts";
import { uwFactory, uwGradS, uwLossWeights, uwObjective, uwStationary } from "./uw.ts";
import { clusterGrads, hostGrads, linearProblem, relErr } from "./testing.ts";
import { resolveMethodOptions } from "./registry.ts";

await tf.setBackend("cpu");

Deno.test("uw: stationary point s_i = log(l_i / k) (closed form) zeroes dL/ds and minimises L in s", () => {
  const l = [0.3, 1.7, 0.05, 4];
  const s = uwStationary(l, 4);
  assert.ok(relErr(s, l.map((v) => Math.log(v / 4))) < 1e-15);
  for (const g of uwGradS(l, s, 4)) assert.ok(Math.abs(g) < 1e-15);
  const best = uwObjective(l, s, 4);
  for (let i = 0; i < 4; i++) {
    for (const h of [-1e-3, 1e-3]) {
      const t = Float64Array.from(s);
      t[i] += h;
      assert.ok(uwObjective(l, t, 4) > best);
    }
  }
  // At s = 0 the objective is the plain Σ l_i / (2k).
  assert.ok(Math.abs(uwObjective(l, [0, 0, 0, 0]) - (0.3 + 1.7 + 0.05 + 4) / 8) < 1e-15);
  assert.deepEqual(Array.from(uwLossWeights([0, Math.log(2)], 2)), [0.25, 0.125]);
});

Deno.test("uw: first tfjs step: model grad = sum_i grad(l_i) / (2k) at s = 0, s moves by -lr sign(dL/ds)", async () => {
  const cluster = Int32Array.from([0, 0, 1, 1, 1, 2]);
  const p = linearProblem(3, 2, cluster, 3, { scale: [0.3, 1, 3] });
  const m = uwFactory.create({ lr: 0.025, logEvery: 1 }, { k: 3, schedule: p.batch.schedule, runSeed: 0 });
  const { loss, grad } = clusterGrads(p);
  const expected = new Float64Array(3);
  for (const g of grad) g!.forEach((v, j) => (expected[j] += v / 6));
  const res = await m.step(p.batch, p.variables, 0);
  assert.ok(relErr(hostGrads(res.grads), expected) < 1e-5);
  // Adam's first step is lr * g / (|g| + eps) = lr * sign(g) for |g| >> eps.
  const gs = uwGradS(loss as number[], [0, 0, 0], 3);
  const s = res.logs!.s as number[];
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(s[i] + 0.025 * Math.sign(gs[i])) < 1e-6, `s[${i}] = ${s[i]}`);
  }
  tf.dispose([...res.grads, res.loss]);
  m.dispose();
  p.dispose();
});

Deno.test("uw: with the model frozen, s converges to log(l_i / k); an empty cluster's s_i stays put", async () => {
  // Cluster 3 is empty: its s must stay exactly 0.
  const cluster = Int32Array.from([0, 0, 1, 1, 2, 2, 2]);
  const p = linearProblem(9, 2, cluster, 4, { scale: [0.2, 1, 2] });
  const m = uwFactory.create({ lr: 0.025, logEvery: 100 }, { k: 4, schedule: p.batch.schedule, runSeed: 0 });
  for (let step = 0; step < 500; step++) {
    const res = await m.step(p.batch, p.variables, step);
    tf.dispose([...res.grads, res.loss]);
  }
  const { loss } = clusterGrads(p);
  const target = uwStationary(loss.slice(0, 3) as number[], 4);
  const s = (await m.summary()).s as number[];
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(s[i] - target[i]) < 0.05, `s[${i}] = ${s[i]} vs ${target[i]}`);
  }
  assert.equal(s[3], 0);
  const history = (await m.summary()).history as { step: number; s: number[] }[];
  assert.deepEqual(history.map((h) => h.step), [0, 100, 200, 300, 400]);
  m.dispose();
  p.dispose();
});

Deno.test("uw: options are validated", () => {
  assert.deepEqual(resolveMethodOptions("uw", {}).options, { lr: 0.025, logEvery: 100 });
  assert.equal(resolveMethodOptions("uw", { lr: 0 }).problems.length, 1);
  assert.equal(resolveMethodOptions("uw", { logEvery: 1.5 }).problems.length, 1);
});
