import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../runtime/backend.ts";
import { rngFor } from "../runtime/rng.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import { getModelFactory } from "../models/registry.ts";
import { evaluateIntervalLoss, intervalLossProblems, intervalLossRows } from "./interval_loss.ts";
import type { IntervalLossSpec } from "./types.ts";
import { trainingBatches } from "./assemble.ts";

await initBackend("wasm");

const SPEC: IntervalLossSpec = { intervals: [[0, 9], [40, 49]], n: 7, draws: 3, seed: 5 };

Deno.test("interval loss: rows repeat each held-out sample `draws` times with t in the interval; streams keyed by the spec only", () => {
  const held = Float32Array.from({ length: 7 * 2 }, (_, i) => i);
  const a = intervalLossRows(SPEC, 1, held, 2);
  assert.equal(a.t.length, 21);
  assert.ok(a.t.every((t) => t >= 40 && t <= 49));
  // Row j·draws + d holds sample j.
  assert.deepEqual(Array.from(a.x0.subarray(2 * 4, 2 * 4 + 2)), [2, 3]); // row 4 = sample 1, draw 1
  // The streams: rngFor(seed, "interval-loss:t", i), one int per row; the noise from its own stream.
  const tr = rngFor(5, "interval-loss:t", 1);
  assert.deepEqual(Array.from(a.t), Array.from({ length: 21 }, () => tr.int(40, 50)));
  assert.deepEqual(a.noise, rngFor(5, "interval-loss:noise", 1).normalArray(42));
  assert.deepEqual(intervalLossRows(SPEC, 1, held, 2), a);
  assert.notDeepEqual(intervalLossRows({ ...SPEC, seed: 6 }, 1, held, 2).t, a.t);
});

Deno.test("interval loss: equals the brute-force mean ε-MSE of the model on the rows", async () => {
  const schedule = makeSchedule("linear", 50);
  const f = getModelFactory("mlp");
  const model = f.build({ ...f.defaults as Record<string, unknown>, hidden: 16, depth: 2 }, {
    dataShape: [2],
    T: 50,
    initSeed: 3,
  });
  const held = rngFor(1, "held").normalArray(14);
  const got = await evaluateIntervalLoss(model, schedule, SPEC, held);
  for (let i = 0; i < 2; i++) {
    const { x0, t, noise } = intervalLossRows(SPEC, i, held, 2);
    let sum = 0;
    for (let q = 0; q < t.length; q++) {
      const ab = schedule.alphaBar[t[q]];
      const xt = [0, 1].map((d) => Math.sqrt(ab) * x0[2 * q + d] + Math.sqrt(1 - ab) * noise[2 * q + d]);
      const eps = tf.tidy(() =>
        model.apply(tf.tensor2d(xt, [1, 2]), tf.tensor1d([t[q]], "float32")).dataSync() as Float32Array
      );
      sum += ((eps[0] - noise[2 * q]) ** 2 + (eps[1] - noise[2 * q + 1]) ** 2) / 2;
    }
    assert.ok(Math.abs(got[i] - sum / t.length) < 1e-5 * (sum / t.length), `${got[i]} vs ${sum / t.length}`);
  }
  model.dispose();
  assert.deepEqual(intervalLossProblems(SPEC, 50), []);
  const bad = intervalLossProblems({ intervals: [[5, 2], [0, 60]], n: 0, draws: 1, seed: -1 }, 50);
  assert.equal(bad.length, 4, bad.join("\n"));
  assert.match(bad.join("\n"), /intervals\[0\].*\[5,2\]/);
});

Deno.test("trainingBatches: a timestep restriction changes only t (uniform in [l, r], cluster 0)", () => {
  const dataset = { train: rngFor(0, "d").normalArray(40), nTrain: 20, dataShape: [2] };
  const clusters: [number, number][] = [[0, 99]];
  const free = trainingBatches(4, dataset, clusters, 16, "uniform");
  const only = trainingBatches(4, dataset, clusters, 16, "uniform", [30, 39]);
  for (const step of [0, 1, 7]) {
    const a = free(step), b = only(step);
    assert.deepEqual(b.x0, a.x0);
    assert.deepEqual(b.noise, a.noise);
    assert.ok(b.t.every((t) => t >= 30 && t <= 39));
    assert.ok(b.cluster.every((c) => c === 0));
    const rng = rngFor(4, "timesteps", step);
    assert.deepEqual(Array.from(b.t), Array.from({ length: 16 }, () => rng.int(30, 40)));
  }
});
