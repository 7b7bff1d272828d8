import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../runtime/backend.ts";
import { conv2dSame, dense, type DenseActivation } from "./linear.ts";
import { Rng } from "../../runtime/rng.ts";

const rng = new Rng(21);
const r = (shape: number[], s = 1) =>
  tf.tensor(rng.normalArray(shape.reduce((a, b) => a * b, 1), 0, s), shape);

function act(z: tf.Tensor, a: DenseActivation): tf.Tensor {
  return a === "relu" ? tf.relu(z) : a === "silu" ? tf.mul(z, tf.sigmoid(z)) : z;
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 1e-30;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

/** Value and gradients of Σ probe · f(inputs) for every input. */
function vg(f: (...a: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], probe: tf.Tensor) {
  return tf.tidy(() => {
    const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(probe, f(...a))))(inputs);
    return { y: f(...inputs).dataSync().slice(), grads: grads.map((g) => g.dataSync().slice()) };
  });
}

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`dense (${backend}): values and gradients equal autodiff of matMul + add + activation`, async () => {
    await initBackend(backend);
    const x = r([6, 5]), w = r([5, 4]), b = r([4]), x2 = r([6, 3]), w2 = r([3, 4]), probe = r([6, 4]);
    for (const a of ["linear", "relu", "silu"] as const) {
      const got = vg((xx, ww, bb) => dense(xx as tf.Tensor2D, ww, bb, a), [x, w, b], probe);
      const want = vg((xx, ww, bb) => act(tf.add(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D), bb), a), [
        x,
        w,
        b,
      ], probe);
      assert.ok(maxRel(got.y, want.y) < 1e-6, `${a} y`);
      got.grads.forEach((g, i) =>
        assert.ok(maxRel(g, want.grads[i]) < 1e-5, `${a} grad ${i}: ${maxRel(g, want.grads[i])}`)
      );
      const got2 = vg(
        (xx, ww, bb, xb, wb) => dense(xx as tf.Tensor2D, ww, bb, a, { x: xb as tf.Tensor2D, w: wb }),
        [x, w, b, x2, w2],
        probe,
      );
      const want2 = vg(
        (xx, ww, bb, xb, wb) =>
          act(
            tf.add(
              tf.add(
                tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D),
                tf.matMul(xb as tf.Tensor2D, wb as tf.Tensor2D),
              ),
              bb,
            ),
            a,
          ),
        [x, w, b, x2, w2],
        probe,
      );
      assert.ok(maxRel(got2.y, want2.y) < 1e-6, `${a} pair y`);
      got2.grads.forEach((g, i) => assert.ok(maxRel(g, want2.grads[i]) < 1e-5, `${a} pair grad ${i}`));
    }
    tf.dispose([x, w, b, x2, w2, probe]);
  });

  Deno.test(`conv2dSame (${backend}): values and gradients equal autodiff of conv2d + add`, async () => {
    await initBackend(backend);
    for (const k of [1, 3]) {
      const x = r([2, 5, 4, 3]), f = r([k, k, 3, 6], 0.5), b = r([6]), probe = r([2, 5, 4, 6]);
      const got = vg((xx, ff, bb) => conv2dSame(xx as tf.Tensor4D, ff, bb), [x, f, b], probe);
      const want = vg(
        (xx, ff, bb) => tf.add(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 1, "same"), bb),
        [x, f, b],
        probe,
      );
      assert.ok(maxRel(got.y, want.y) < 1e-6, `k=${k} y`);
      got.grads.forEach((g, i) => assert.ok(maxRel(g, want.grads[i]) < 1e-5, `k=${k} grad ${i}`));
      tf.dispose([x, f, b, probe]);
    }
  });
}

Deno.test("dense and conv2dSame: one dispatch forward; no input gradient for data inputs", async () => {
  await initBackend("wasm");
  const x = r([8, 5]), w = tf.variable(r([5, 4])), b = tf.variable(r([4]));
  const img = r([2, 4, 4, 1]), f = tf.variable(r([3, 3, 1, 2])), fb = tf.variable(r([2]));
  const kernels = async (fn: () => void) => (await tf.profile(() => tf.tidy(fn))).kernels.map((k) => k.name);
  assert.deepEqual(await kernels(() => dense(x as tf.Tensor2D, w, b, "relu")), ["AntbenchDense_relu"]);
  assert.deepEqual(await kernels(() => conv2dSame(img as tf.Tensor4D, f, fb)), ["AntbenchConv2DBias"]);
  const convGrad = await kernels(() => tf.variableGrads(() => tf.sum(conv2dSame(img as tf.Tensor4D, f, fb))));
  assert.ok(convGrad.includes("Conv2DBackpropFilter"));
  assert.ok(!convGrad.includes("Conv2DBackpropInput"), "the image needs no gradient");
  const denseGrad = await kernels(() => tf.variableGrads(() => tf.sum(dense(x as tf.Tensor2D, w, b))));
  // ∂W = xᵀ dz is the only matmul; ∂x is not formed.
  assert.equal(denseGrad.filter((k) => k === "BatchMatMul").length, 1);
  assert.throws(() => dense(x as tf.Tensor2D, tf.zeros([4, 4]), b), /do not fit/);
  assert.throws(() => conv2dSame(img as tf.Tensor4D, tf.zeros([3, 3, 2, 2]), fb), /do not fit/);
  tf.dispose([x, w, b, img, f, fb]);
});
