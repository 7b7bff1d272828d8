import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../runtime/backend.ts";
import { createOptimizer, resolvePlacement } from "./optimizer.ts";
import { Rng } from "../runtime/rng.ts";

await initBackend("wasm");

Deno.test("optimizer: auto is host on wasm and cpu", async () => {
  assert.equal(resolvePlacement("auto"), "host");
  assert.equal(resolvePlacement("device"), "device");
  await initBackend("cpu");
  assert.equal(resolvePlacement(), "host");
  await initBackend("wasm");
});

Deno.test("host Adam: a constant gradient moves every weight by lr·g/(|g|+ε) per step (bias-corrected)", async () => {
  // With g constant, m̂_t = g and v̂_t = g² exactly for every t (Kingma & Ba 2015, Alg. 1), so each step
  // is −lr · g / (|g| + ε): independent of t, β₁, β₂.
  const g = [0.5, -2, 1e-3, 0];
  const v = tf.variable(tf.tensor1d([1, 1, 1, 1]));
  const lr = 0.01, eps = 1e-8;
  const opt = createOptimizer([v], { lr, beta1: 0.9, beta2: 0.999, eps }, 0, "host");
  assert.equal(opt.placement, "host");
  assert.equal(opt.ema, null);
  const grad = tf.tensor1d(g);
  for (let t = 0; t < 3; t++) await opt.apply([grad], t);
  const w = v.dataSync();
  g.forEach((gi, i) => {
    const want = Math.fround(1 - 3 * lr * gi / (Math.abs(gi) + eps));
    assert.ok(Math.abs(w[i] - want) <= 2e-7, `w[${i}] = ${w[i]}, want ${want}`);
  });
  tf.dispose([v, grad]);
  opt.dispose();
});

Deno.test("host Adam + EMA agree with tf.train.adam + the device EMA (float32 rounding, β₂ᵗ in float32)", async () => {
  const rng = new Rng(5);
  const shapes = [[3, 4], [4], [2, 2, 3]];
  const init = shapes.map((s) => rng.normalArray(s.reduce((a, b) => a * b, 1)));
  const make = () => shapes.map((s, i) => tf.variable(tf.tensor(init[i], s)));
  const host = make(), dev = make();
  const settings = { lr: 0.02, beta1: 0.9, beta2: 0.99 };
  const oh = createOptimizer(host, settings, 0.9, "host"), od = createOptimizer(dev, settings, 0.9, "device");
  assert.equal(oh.ema?.storage, "host");
  assert.equal(od.ema?.storage, "device");
  for (let step = 0; step < 20; step++) {
    const grads = shapes.map((s) => tf.tensor(rng.normalArray(s.reduce((a, b) => a * b, 1)), s));
    await oh.apply(grads, step);
    await od.apply(grads, step);
    tf.dispose(grads);
  }
  const [eh, ed] = [await oh.ema!.shadowData(), await od.ema!.shadowData()];
  host.forEach((v, i) => {
    const a = v.dataSync(), b = dev[i].dataSync();
    // 20 steps of size ≤ lr: the two differ by float32 rounding and tfjs's float32 bias correction.
    for (let j = 0; j < a.length; j++) {
      assert.ok(Math.abs(a[j] - b[j]) < 1e-5, `weight ${i}[${j}]: ${a[j]} vs ${b[j]}`);
      assert.ok(Math.abs(eh[i][j] - ed[i][j]) < 1e-5, `ema ${i}[${j}]: ${eh[i][j]} vs ${ed[i][j]}`);
    }
    assert.ok(a.some((x, j) => x !== init[i][j]), "weights moved");
  });
  // The EMA's sampling view restores the trained weights.
  const before = host[0].dataSync().slice();
  const inside = await oh.ema!.withShadow(host, () => host[0].dataSync().slice());
  assert.deepEqual(inside, eh[0]);
  assert.deepEqual(host[0].dataSync(), before);
  oh.dispose();
  od.dispose();
  tf.dispose([...host, ...dev]);
});

Deno.test("host Adam picks up weights assigned between steps", async () => {
  const v = tf.variable(tf.tensor1d([0]));
  const opt = createOptimizer([v], { lr: 0.1, beta1: 0.9, beta2: 0.999 }, 0, "host");
  const g = tf.tensor1d([1]);
  await opt.apply([g], 0);
  v.assign(tf.tensor1d([5]));
  await opt.apply([g], 1);
  assert.ok(Math.abs(v.dataSync()[0] - (5 - 0.1)) < 1e-6, `${v.dataSync()[0]}`);
  await assert.rejects(() => opt.apply([], 2), /0 gradients for 1 variables/);
  tf.dispose([v, g]);
  opt.dispose();
});
