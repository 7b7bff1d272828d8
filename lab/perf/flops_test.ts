import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/runtime/backend.ts";
import { countFlops, kernelFlops } from "./flops.ts";

await initBackend("wasm");

/** Kernels recorded by tf.profile for `f` (the real names and shapes the counter sees in perf). */
async function profiled(f: () => tf.TensorContainer) {
  return (await tf.profile(f)).kernels;
}

Deno.test("matMul FLOPs: 2·M·N·K for every transpose combination and batch", async () => {
  const a = tf.ones([4, 5]), b = tf.ones([5, 3]);
  for (
    const [x, y, ta, tb] of [[a, b, false, false], [tf.transpose(a), b, true, false], [
      a,
      tf.transpose(b),
      false,
      true,
    ]] as const
  ) {
    const ks = (await profiled(() => tf.matMul(x, y, ta, tb))).filter((k) => k.name === "BatchMatMul");
    assert.equal(ks.length, 1);
    assert.equal(kernelFlops(ks[0]), 2 * 4 * 3 * 5);
  }
  const batched = (await profiled(() => tf.matMul(tf.ones([6, 2, 7]), tf.ones([6, 7, 3])))).filter((k) =>
    k.name === "BatchMatMul"
  );
  assert.equal(countFlops(batched), 2 * 6 * 2 * 3 * 7);
});

Deno.test("conv2d FLOPs: forward 2·|y|·KH·KW·Ci; the gradient step adds the same for dx and for dW", async () => {
  const x = tf.ones([2, 6, 6, 3]), w = tf.ones([3, 3, 3, 4]);
  const fwd = await profiled(() => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same"));
  const perConv = 2 * (2 * 6 * 6 * 4) * (3 * 3 * 3); // 15 552, by hand
  assert.equal(countFlops(fwd), perConv);
  const both = await profiled(() =>
    tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
      tf.sum(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, "same"))
    )([x, w])
  );
  const names = both.map((k) => k.name);
  assert.ok(names.includes("Conv2DBackpropInput") && names.includes("Conv2DBackpropFilter"), names.join(","));
  assert.equal(countFlops(both), 3 * perConv);
  // Stride 2: output 3×3, so a quarter of the work.
  const s2 = await profiled(() => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, "same"));
  assert.equal(countFlops(s2), 2 * (2 * 3 * 3 * 4) * 27);
});

Deno.test("element-wise kernels count 0", () => {
  assert.equal(kernelFlops({ name: "Add", inputShapes: [[3, 3], [3, 3]], outputShapes: [[3, 3]] }), 0);
  assert.equal(
    kernelFlops({
      name: "DepthwiseConv2dNative",
      inputShapes: [[1, 4, 4, 2], [3, 3, 2, 1]],
      outputShapes: [[1, 4, 4, 2]],
    }),
    2 * 32 * 9,
  );
});

Deno.test("composite layers: dense 2·B·O·(I + I₂), conv as Conv2D, per-segment dW as the whole-batch dW", async () => {
  const { dense, conv2dSame } = await import("../../src/models/layers/linear.ts");
  const { segmentConvFilter, segmentMatMulTA } = await import("../../src/models/layers/segments.ts");
  const x = tf.ones([8, 5]),
    w = tf.ones([5, 3]),
    b = tf.ones([3]),
    x2 = tf.ones([8, 2]),
    w2 = tf.ones([2, 3]);
  assert.equal(countFlops(await profiled(() => dense(x as tf.Tensor2D, w, b))), 2 * 8 * 3 * 5);
  assert.equal(
    countFlops(await profiled(() => dense(x as tf.Tensor2D, w, b, "relu", { x: x2 as tf.Tensor2D, w: w2 }))),
    2 * 8 * 3 * 7,
  );
  const img = tf.ones([2, 6, 6, 3]), f = tf.ones([3, 3, 3, 4]), fb = tf.ones([4]);
  const perConv = 2 * (2 * 6 * 6 * 4) * (3 * 3 * 3);
  const conv = await profiled(() => conv2dSame(img as tf.Tensor4D, f, fb));
  assert.equal(countFlops(conv.filter((k) => k.name === "AntbenchConv2DBias")), perConv);
  const dz = tf.ones([8, 3]);
  assert.equal(countFlops(await profiled(() => segmentMatMulTA(x, dz, [0, 3, 8]))), 2 * 8 * 5 * 3);
  const dy = tf.ones([2, 6, 6, 4]);
  const seg = (await profiled(() => segmentConvFilter(img, dy, [3, 3, 3, 4], [0, 1, 2])))
    .filter((k) => k.name === "AntbenchSegmentConvFilter");
  assert.equal(countFlops(seg), perConv);
  tf.dispose([x, w, b, x2, w2, img, f, fb, dz, dy]);
});
