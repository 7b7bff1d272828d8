import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../runtime/backend.ts";
import { createStepper, type HostBatch, makeMtlBatch, stepAndReadLoss } from "./step.ts";
import { mlpFactory } from "../models/mlp.ts";
import { vanillaFactory } from "../mtl/vanilla.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import { rngFor } from "../runtime/rng.ts";

await initBackend("wasm");

const T = 50, K = 2, B = 16;
const schedule = makeSchedule("linear", T);

function batch(step: number): HostBatch {
  const rng = rngFor(1, "step-test", step);
  const t = Int32Array.from({ length: B }, () => rng.int(0, T));
  return {
    x0: rng.normalArray(2 * B),
    noise: rng.normalArray(2 * B),
    t,
    cluster: Int32Array.from(t, (x) => Math.floor((x * K) / T)),
  };
}

Deno.test("stepper: losses stay pending until one read; they are the pre-update batch losses in order", async () => {
  const model = mlpFactory.build({ ...mlpFactory.defaults, hidden: 16, depth: 2 }, {
    dataShape: [2],
    T,
    initSeed: 4,
  });
  const method = vanillaFactory.create({}, { k: K, schedule, runSeed: 0 });
  const base = tf.memory().numTensors;
  const stepper = createStepper({
    model,
    method,
    schedule,
    k: K,
    lr: 1e-2,
    beta1: 0.9,
    beta2: 0.999,
    emaDecay: 0.9,
  });
  // Oracle: the batch's mean per-sample loss with the weights before the step, read on its own.
  const lossNow = async (b: HostBatch) => {
    const l = tf.tidy(() => tf.mean(makeMtlBatch(model, schedule, K, b).perSampleLoss()));
    const v = (await l.data())[0];
    l.dispose();
    return v;
  };
  const first = await lossNow(batch(0));
  assert.equal(await stepAndReadLoss(stepper, batch(0), 0), first);
  const steady = tf.memory().numTensors; // Adam's slots now exist
  const expected: number[] = [];
  for (let s = 1; s <= 5; s++) {
    expected.push(await lossNow(batch(s)));
    await stepper.step(batch(s), s);
    assert.equal(stepper.pendingLosses, s);
  }
  assert.equal(tf.memory().numTensors, steady + 5, "one pending scalar per step");
  assert.deepEqual(Array.from(await stepper.readLosses()), expected);
  assert.equal(stepper.pendingLosses, 0);
  assert.equal(tf.memory().numTensors, steady, "the read frees the pending scalars");
  assert.equal((await stepper.readLosses()).length, 0);
  // Pending losses are released by dispose.
  await stepper.step(batch(6), 6);
  await stepper.step(batch(7), 7);
  stepper.dispose();
  assert.equal(tf.memory().numTensors, base);
  method.dispose();
  model.dispose();
});
