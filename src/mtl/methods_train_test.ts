/**
 * Every registered method, driven through the trainer's shared step (createStepper: method gradients ->
 * Adam -> EMA), trains a small MLP denoiser on the swiss roll to a lower held-out ε-loss than at
 * initialisation, and two runs with the same seed give bit-identical losses.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../runtime/backend.ts";
import { METHODS, resolveMethodOptions } from "./registry.ts";
import { createStepper, type HostBatch, makeMtlBatch, stepAndReadLoss } from "../train/step.ts";
import { mlpFactory } from "../models/mlp.ts";
import { sampleToy2d } from "../data/toy2d.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import { deriveSeed, rngFor } from "../runtime/rng.ts";

// wasm with the runtime's kernel patches: ~10x faster than the cpu backend for this MLP.
await initBackend("wasm");

const T = 100;
const K = 4;
const B = 32;
const STEPS = 40;
const schedule = makeSchedule("linear", T);

/** A batch with timesteps stratified over K equal clusters (B/K per cluster), from (seed, step). */
function hostBatch(seed: number, purpose: string, step: number, n = B): HostBatch {
  const rng = rngFor(seed, purpose, step);
  const x0 = sampleToy2d("swissroll", n, rng);
  const noise = rng.normalArray(2 * n);
  const t = new Int32Array(n);
  const cluster = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    cluster[b] = Math.floor((b * K) / n);
    t[b] = cluster[b] * (T / K) + rng.int(0, T / K);
  }
  return { x0, noise, t, cluster };
}

async function run(id: string, seed: number): Promise<{ before: number; after: number; losses: number[] }> {
  const model = mlpFactory.build({ hidden: 24, depth: 2, timeDim: 16, activation: "relu" }, {
    dataShape: [2],
    T,
    initSeed: deriveSeed(seed, "init"),
  });
  const { options, problems } = resolveMethodOptions(id, id === "nashmtl" ? { updateEvery: 5 } : {});
  assert.deepEqual(problems, []);
  const beforeCreate = tf.memory().numTensors;
  const method = METHODS.get(id)!.create(options, { k: K, schedule, runSeed: seed });
  const created = tf.memory().numTensors - beforeCreate;
  const stepper = createStepper({
    model,
    method,
    schedule,
    k: K,
    lr: 1e-2,
    beta1: 0.9,
    beta2: 0.999,
    emaDecay: 0,
  });
  const evalBatch = makeMtlBatch(model, schedule, K, hostBatch(seed, "eval", 0, 256));
  const evalLoss = () => tf.tidy(() => (tf.mean(evalBatch.perSampleLoss()).dataSync() as Float32Array)[0]);
  const before = evalLoss();
  const losses: number[] = [];
  let afterFirst = 0;
  for (let step = 0; step < STEPS; step++) {
    losses.push(await stepAndReadLoss(stepper, hostBatch(seed, "data", step), step));
    if (step === 0) afterFirst = tf.memory().numTensors;
  }
  // Steady state: no tensor is left behind by a step (Adam's slots are created on the first step).
  assert.equal(tf.memory().numTensors, afterFirst, `${id}: tensors leaked per step`);
  const after = evalLoss();
  stepper.dispose();
  const beforeDispose = tf.memory().numTensors;
  method.dispose();
  // The method releases everything it created (UW: s and its Adam state).
  assert.equal(beforeDispose - tf.memory().numTensors, created, `${id}: method.dispose() left tensors`);
  model.dispose();
  return { before, after, losses };
}

for (const id of METHODS.keys()) {
  Deno.test(`${id}: trains the MLP toy to a lower held-out loss; same seed -> bit-identical losses`, async () => {
    const a = await run(id, 3);
    assert.ok(a.after < 0.99 * a.before, `${id}: held-out loss ${a.before} -> ${a.after}`);
    assert.ok(a.losses.every(Number.isFinite));
    const b = await run(id, 3);
    assert.deepEqual(b.losses, a.losses);
    assert.equal(b.after, a.after);
  });
}
