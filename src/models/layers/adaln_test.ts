import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../runtime/backend.ts";
import {
  gatedResidual,
  gatedResidualOps,
  geluTanh,
  geluTanhOps,
  layerNormModulate,
  layerNormModulateOps,
  qkvHeads,
  qkvHeadsOps,
} from "./adaln.ts";
import { Rng } from "../../runtime/rng.ts";
import "../../runtime/gradients.ts";

const B = 3, N = 5, D = 8, K = 6;

function rand(seed: number, shape: number[], scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(new Rng(seed).normalArray(n, 0, scale), shape);
}

function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0, m = 0;
  for (let i = 0; i < b.length; i++) {
    n += (a[i] - b[i]) ** 2;
    m += b[i] ** 2;
  }
  return Math.sqrt(n / m);
}

/** Value and input gradients of Σ probe · f(inputs). */
function vg(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], probe: tf.Tensor) {
  return tf.tidy(() => {
    const y = f(...inputs).dataSync();
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(probe, f(...xs))))(inputs).map((g) =>
      g.dataSync()
    );
    return { y, grads };
  });
}

function assertSame(name: string, a: ReturnType<typeof vg>, b: ReturnType<typeof vg>, tol: number) {
  assert.ok(relL2(a.y, b.y) < tol, `${name}: values ${relL2(a.y, b.y)}`);
  a.grads.forEach((g, i) =>
    assert.ok(relL2(g, b.grads[i]) < tol, `${name}: gradient ${i}: ${relL2(g, b.grads[i])}`)
  );
}

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`adaLN ops (${backend}): fused kernels and closed-form backward equal autodiff of the op formulas`, async () => {
    await initBackend(backend);
    const x = rand(1, [B * N, D], 2), y = rand(2, [B * N, D]), mod = rand(3, [B, K * D], 0.5);
    const probe = rand(4, [B * N, D]);
    assertSame(
      "layerNormModulate",
      vg((a, m) => layerNormModulate(a as tf.Tensor2D, m as tf.Tensor2D, 3, 4), [x, mod], probe),
      vg((a, m) => layerNormModulateOps(a as tf.Tensor2D, m as tf.Tensor2D, 3, 4), [x, mod], probe),
      1e-5,
    );
    assertSame(
      "gatedResidual",
      vg(
        (a, b, m) => gatedResidual(a as tf.Tensor2D, b as tf.Tensor2D, m as tf.Tensor2D, 5),
        [x, y, mod],
        probe,
      ),
      vg(
        (a, b, m) => gatedResidualOps(a as tf.Tensor2D, b as tf.Tensor2D, m as tf.Tensor2D, 5),
        [x, y, mod],
        probe,
      ),
      1e-6,
    );
    assertSame("geluTanh", vg((a) => geluTanh(a), [x], probe), vg((a) => geluTanhOps(a), [x], probe), 1e-5);
    // qkv heads: the three outputs weighted by three probes.
    const qkv = rand(5, [B * N, 3 * D]), H = 2, d = D / H;
    const probes = [rand(6, [B * H, N, d]), rand(7, [B * H, N, d]), rand(8, [B * H, N, d])];
    const qf = (f: typeof qkvHeads) => (a: tf.Tensor) =>
      tf.addN(f(a as tf.Tensor2D, B, H, 0.5).map((o, i) => tf.mul(o, probes[i])));
    assertSame(
      "qkvHeads",
      vg(qf(qkvHeads), [qkv], tf.onesLike(probes[0])),
      vg(qf(qkvHeadsOps), [qkv], tf.onesLike(probes[0])),
      1e-7,
    );
  });
}

Deno.test("adaLN ops: hand values (LN of a constant-shifted row, the gate, GELU)", async () => {
  await initBackend("wasm");
  // Row [1, 2, 3, 4]: μ = 2.5, σ² = 1.25; with scale 1 (×2) and shift 0.5.
  const x = tf.tensor2d([[1, 2, 3, 4]]), mod = tf.tensor2d([[0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1]]);
  const got = layerNormModulate(x, mod, 0, 1).dataSync();
  const r = 1 / Math.sqrt(1.25 + 1e-6);
  [1, 2, 3, 4].forEach((v, i) => assert.ok(Math.abs(got[i] - ((v - 2.5) * r * 2 + 0.5)) < 1e-6));
  const g = gatedResidual(x, tf.tensor2d([[1, 1, 1, 1]]), tf.tensor2d([[0, 0, 0, 0, 3, 3, 3, 3]]), 1)
    .dataSync();
  assert.deepEqual(Array.from(g), [4, 5, 6, 7]);
  // GELU(1) = ½ (1 + tanh(√(2/π) · 1.044715)).
  const want = 0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * 1.044715));
  assert.ok(Math.abs(geluTanh(tf.tensor1d([1])).dataSync()[0] - want) < 1e-6);
  assert.throws(() => layerNormModulate(x, mod, 0, 2), /do not fit/);
});
