import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../runtime/backend.ts";
import { rngFor } from "../runtime/rng.ts";
import { assembleRun, type AssemblyConfig, trainingBatches } from "./assemble.ts";
import { runTraining } from "./run.ts";
import type { RunConfig } from "./types.ts";
import { UsageError } from "../runtime/errors.ts";

await initBackend("wasm");

const CONFIG: AssemblyConfig = {
  dataset: { id: "gaussians8", options: { n: 100 } },
  model: { id: "mlp", options: { hidden: 16, depth: 2 } },
  diffusion: { schedule: "linear", T: 60 },
  clustering: { objective: "timestep", k: 3, sampler: "stratified" },
  method: { id: "pcgrad", options: {} },
  seed: 9,
  train: { steps: 6, batchSize: 48, lr: 2e-3, beta1: 0.9, beta2: 0.999, emaDecay: 0.99 },
};

Deno.test("trainingBatches: rows follow one seeded permutation per epoch, across the epoch boundary", () => {
  // 10 rows of 2 values (row i = [i, -i]), batch 4: step 2 takes positions 8, 9 of epoch 0 and 0, 1 of epoch 1.
  const train = Float32Array.from({ length: 20 }, (_, j) => (j % 2 === 0 ? j / 2 : -(j - 1) / 2));
  const batches = trainingBatches(5, { train, nTrain: 10, dataShape: [2] }, [[0, 9], [10, 19]], 4, "uniform");
  const p0 = rngFor(5, "data-order", 0).permutation(10);
  const p1 = rngFor(5, "data-order", 1).permutation(10);
  const rows = (b: Float32Array) => Array.from({ length: 4 }, (_, j) => b[2 * j]);
  assert.deepEqual(rows(batches(2).x0), [p0[8], p0[9], p1[0], p1[1]]);
  assert.deepEqual(rows(batches(0).x0), [p0[0], p0[1], p0[2], p0[3]]); // any order of steps
  const b = batches(1);
  assert.deepEqual(Array.from(b.x0.subarray(0, 2)), [p0[4], -p0[4]]);
  // Noise and timesteps come from their own per-step streams.
  assert.deepEqual(b.noise, rngFor(5, "noise", 1).normalArray(8));
  for (let i = 0; i < 4; i++) assert.equal(b.cluster[i], b.t[i] < 10 ? 0 : 1);
  assert.deepEqual(batches(1), b, "deterministic");
});

Deno.test("assembleRun: the parts of the config, with factory defaults merged in", async () => {
  const run = await assembleRun(CONFIG);
  try {
    assert.equal(run.k, 3);
    assert.deepEqual(run.clusters, [[0, 19], [20, 39], [40, 59]]);
    assert.equal(run.model.id, "mlp");
    assert.equal(run.modelOptions.hidden, 16);
    assert.equal(run.method.id, "pcgrad");
    assert.equal(run.dataset.nTrain, 100);
    assert.equal(run.schedule.T, 60);
    assert.equal(run.batch(0).t.length, 48);
  } finally {
    run.dispose();
  }
});

Deno.test("assembleRun: a bad method id throws and leaves no tensors behind", async () => {
  const before = tf.memory().numTensors;
  await assert.rejects(
    () => assembleRun({ ...CONFIG, method: { id: "adam", options: {} } }),
    (e: unknown) => e instanceof UsageError && /adam/.test(e.message),
  );
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("assembleRun: its steps are runTraining's steps (identical losses, step by step)", async () => {
  const run = await assembleRun(CONFIG);
  const ours: number[] = [];
  // By default the seam keeps the per-cluster losses the trainer records (so perf and parity time and check
  // the trainer's step): per step, the count-weighted mean of the cluster means is the step's mean loss.
  const clusters: number[][] = Array.from({ length: run.k }, () => []);
  try {
    for (let s = 0; s < CONFIG.train.steps; s++) {
      await run.step(s);
      const [loss] = await run.stepper.readLosses();
      ours.push(loss);
      const [{ sums, counts }] = run.stepper.readClusterLosses();
      const total = counts.reduce((a, b) => a + b, 0);
      assert.equal(total, CONFIG.train.batchSize);
      assert.ok(Math.abs(sums.reduce((a, b) => a + b, 0) / total - loss) < 1e-5 * Math.abs(loss));
      sums.forEach((v, c) => clusters[c].push(counts[c] > 0 ? v / counts[c] : NaN));
    }
  } finally {
    run.dispose();
  }
  const config: RunConfig = {
    ...CONFIG,
    suite: "t",
    eval: {
      at: [],
      samples: 8,
      referenceSamples: 8,
      sampler: { kind: "ddim", steps: 2, eta: 0 },
      metrics: ["fd"],
      useEma: true,
    },
    backend: "wasm",
  };
  const result = await runTraining(config);
  assert.equal(result.status, "ok", result.error);
  assert.equal(result.loss.every, 1);
  assert.deepEqual(result.loss.values, ours);
  assert.deepEqual(result.loss.clusters, clusters);
  assert.ok(ours.every(Number.isFinite) && ours.length === 6);
});

Deno.test("assembleRun: train.loss must agree with the model's learned variance (before the model is built)", async () => {
  const before = tf.memory().numTensors;
  const dit = { id: "dit", options: { hidden: 16, depth: 1, heads: 2, freqDim: 8 } };
  const digits = { id: "digits8", options: {} };
  await assert.rejects(
    () => assembleRun({ ...CONFIG, dataset: digits, model: dit }),
    (e: unknown) =>
      e instanceof UsageError && /train\.loss "eps" with model "dit" learnSigma true/.test(e.message),
  );
  await assert.rejects(
    () => assembleRun({ ...CONFIG, train: { ...CONFIG.train, loss: "hybrid" } }),
    (e: unknown) => e instanceof UsageError && /"hybrid" with model "mlp" learnSigma false/.test(e.message),
  );
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("a hybrid-loss DiT run trains end to end with UW: the loss falls, DDPM samples are finite", async () => {
  const config: RunConfig = {
    suite: "t",
    dataset: { id: "digits8", options: {} },
    model: { id: "dit", options: { hidden: 16, depth: 2, heads: 2, freqDim: 16 } },
    diffusion: { schedule: "cosine", T: 100 },
    clustering: { objective: "snr", k: 2, sampler: "stratified" },
    method: { id: "uw", options: { logEvery: 1 } },
    seed: 3,
    train: { steps: 40, batchSize: 20, lr: 3e-3, beta1: 0.9, beta2: 0.999, emaDecay: 0.9, loss: "hybrid" },
    eval: {
      at: [40],
      samples: 16,
      referenceSamples: 16,
      sampler: { kind: "ddpm", steps: 10, eta: 0 },
      metrics: ["fd"],
      useEma: true,
    },
    backend: "wasm",
  };
  const result = await runTraining(config);
  assert.equal(result.status, "ok", result.error);
  const v = result.loss.values;
  const head = (v[0] + v[1] + v[2]) / 3, tail = (v.at(-1)! + v.at(-2)! + v.at(-3)!) / 3;
  assert.ok(tail < 0.7 * head, `loss ${head} -> ${tail}`);
  assert.ok(Number.isFinite(result.final["fd-digits8-cnn"]));
  assert.equal((result.method.s as number[]).length, 2);
});
