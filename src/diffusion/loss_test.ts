import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../runtime/backend.ts";
import { epsMse } from "./loss.ts";
import { qSample, qSampleHost } from "./forward.ts";
import { makeSchedule } from "./schedule.ts";
import { Rng } from "../runtime/rng.ts";
import { timestepEmbedding, timestepEmbeddingHost } from "../models/time_embedding.ts";

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`epsMse (${backend}): per-sample mean of squares and its gradient 2(pred − ε)/D`, async () => {
    await initBackend(backend);
    // Sample 0: errors (1, −2, 0) → (1 + 4 + 0) / 3; sample 1: (0.5, 0.5, 0.5) → 0.25.
    const pred = tf.tensor2d([[1, -1, 2], [1, 1, 1]]), noise = tf.tensor2d([[0, 1, 2], [0.5, 0.5, 0.5]]);
    assert.deepEqual(Array.from(epsMse(pred, noise).dataSync()), [Math.fround(5 / 3), 0.25]);
    const w = tf.tensor1d([1, -3]);
    const [g] = tf.grads((p: tf.Tensor) => tf.sum(tf.mul(w, epsMse(p, noise))))([pred]);
    const want = [2 / 3, -4 / 3, 0, -1, -1, -1]; // dy[b] · 2 (pred − ε) / 3
    Array.from(g.dataSync()).forEach((x, i) => assert.ok(Math.abs(x - want[i]) < 1e-6, `${i}: ${x}`));
    assert.throws(() => epsMse(pred, tf.zeros([2, 2])), /differ in shape/);
  });
}

Deno.test("qSampleHost is bit-identical to the tensor qSample on wasm", async () => {
  await initBackend("wasm");
  const sch = makeSchedule("cosine", 100);
  const rng = new Rng(8);
  const x0 = rng.normalArray(7 * 5), noise = rng.normalArray(7 * 5);
  const t = Int32Array.from([0, 1, 17, 50, 98, 99, 33]);
  const dev = qSample(sch, tf.tensor2d(x0, [7, 5]), tf.tensor2d(noise, [7, 5]), t).dataSync();
  assert.deepEqual(qSampleHost(sch, x0, noise, t), dev);
  assert.throws(() => qSampleHost(sch, x0, noise.subarray(1), t), /noise 34/);
});

Deno.test("host time embedding: sin/cos of the float32 argument, within float32 rounding of the tensor ops", async () => {
  const t = [0, 1, 17, 500, 999];
  const host = timestepEmbeddingHost(t, 16);
  // Hand check: t = 1, i = 0: ω_0 = 1, so entries 0 and 8 are sin(1) and cos(1).
  assert.equal(host[16], Math.fround(Math.sin(1)));
  assert.equal(host[16 + 8], Math.fround(Math.cos(1)));
  await initBackend("wasm");
  const dev = timestepEmbedding(tf.tensor1d(t), 16).dataSync();
  assert.deepEqual(dev, host, "on wasm the embedding is the host one");
  // The tensor formulation (as on webgpu) differs only by float32 sin/cos rounding.
  const ops = tf.tidy(() => {
    const freqs = tf.tensor2d(Array.from({ length: 8 }, (_, i) => Math.exp(-Math.log(10000) * i / 8)), [
      1,
      8,
    ]);
    const args = tf.mul(tf.reshape(tf.tensor1d(t), [-1, 1]), freqs);
    return tf.concat([tf.sin(args), tf.cos(args)], 1).dataSync();
  });
  ops.forEach((x, i) => assert.ok(Math.abs(x - host[i]) < 1e-6, `${i}: ${x} vs ${host[i]}`));
});
