import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { groupNorm } from "./group_norm.ts";
import { Rng } from "../../runtime/rng.ts";
import "../../runtime/gradients.ts";

await tf.setBackend("cpu");

Deno.test("groupNorm matches a hand computation (2 positions x 4 channels, 2 groups)", () => {
  // Positions p0 = [1, 3, 10, 10], p1 = [5, 7, 10, 14].
  // Group 0 = channels 0,1: values {1, 3, 5, 7}: mean 4, biased variance (9 + 1 + 1 + 9) / 4 = 5.
  // Group 1 = channels 2,3: values {10, 10, 10, 14}: mean 11, variance (1 + 1 + 1 + 9) / 4 = 3.
  const x = tf.tensor4d([1, 3, 10, 10, 5, 7, 10, 14], [1, 1, 2, 4]);
  const gamma = tf.tensor1d([1, 2, 1, 0.5]), beta = tf.tensor1d([0, 0, 1, -1]);
  const eps = 1e-5;
  const y = groupNorm(x, gamma, beta, 2, eps).dataSync();
  const s0 = Math.sqrt(5 + eps), s1 = Math.sqrt(3 + eps);
  const expected = [
    -3 / s0,
    2 * (-1 / s0),
    -1 / s1 + 1,
    0.5 * (-1 / s1) - 1,
    1 / s0,
    2 * (3 / s0),
    -1 / s1 + 1,
    0.5 * (3 / s1) - 1,
  ];
  for (let i = 0; i < 8; i++) {
    assert.ok(Math.abs(y[i] - expected[i]) < 1e-5, `${i}: ${y[i]} vs ${expected[i]}`);
  }
  // Samples are normalised independently: a second sample scaled by 10 gives the same normalised values.
  const x2 = tf.concat([x, tf.mul(x, 10)], 0) as tf.Tensor4D;
  const y2 = groupNorm(x2, tf.onesLike(gamma), tf.zerosLike(beta), 2, 0).dataSync();
  for (let i = 0; i < 8; i++) assert.ok(Math.abs(y2[i] - y2[i + 8]) < 1e-5);
});

/** The plain formula, differentiated by tfjs autodiff (independent of the closed-form backward). */
function plainGroupNorm(
  x: tf.Tensor4D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  groups: number,
  eps = 1e-5,
): tf.Tensor {
  const [b, h, w, c] = x.shape;
  const g = tf.reshape(x, [b, h * w, groups, c / groups]);
  const mean = tf.mean(g, [1, 3], true);
  const variance = tf.mean(tf.square(tf.sub(g, mean)), [1, 3], true);
  const normed = tf.reshape(tf.div(tf.sub(g, mean), tf.sqrt(tf.add(variance, eps))), [b, h, w, c]);
  return tf.add(tf.mul(normed, gamma), beta);
}

Deno.test("groupNorm's closed-form gradients match autodiff of the plain formula", () => {
  const rng = new Rng(3);
  const shape: [number, number, number, number] = [2, 3, 2, 6];
  const size = 2 * 3 * 2 * 6;
  const x = tf.tensor4d(rng.normalArray(size, 0.5, 2), shape);
  const gamma = tf.tensor1d(rng.normalArray(6)), beta = tf.tensor1d(rng.normalArray(6));
  const probe = tf.tensor4d(rng.normalArray(size), shape); // L = Σ probe · y
  const loss = (f: typeof plainGroupNorm) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(probe, f(a as tf.Tensor4D, g, b, 3)));
  const got = tf.grads(loss(groupNorm))([x, gamma, beta]);
  const want = tf.grads(loss(plainGroupNorm))([x, gamma, beta]);
  assert.ok(
    Math.abs(
      tf.sum(tf.mul(probe, groupNorm(x, gamma, beta, 3))).dataSync()[0] -
        tf.sum(tf.mul(probe, plainGroupNorm(x, gamma, beta, 3))).dataSync()[0],
    ) < 1e-4,
  );
  for (let i = 0; i < 3; i++) {
    const a = got[i].dataSync(), e = want[i].dataSync();
    for (let j = 0; j < e.length; j++) {
      assert.ok(Math.abs(a[j] - e[j]) < 1e-4, `input ${i}[${j}]: ${a[j]} vs ${e[j]}`);
    }
  }
});
