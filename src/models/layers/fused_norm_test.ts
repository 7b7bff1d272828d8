import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../runtime/backend.ts";
import { groupNormAct, groupNormActComposite, type GroupNormActOptions } from "./fused_norm.ts";
import { Rng } from "../../runtime/rng.ts";

// PyTorch float64 oracle: fixtures/models/group_norm_act.py.
const oracle = JSON.parse(
  await Deno.readTextFile(new URL("../../../fixtures/models/group_norm_act.json", import.meta.url)),
) as {
  shape: [number, number, number, number];
  groups: number;
  inputs: Record<string, number[]>;
  cases: Record<string, Record<string, number[]>>;
};

type Op = typeof groupNormAct;

/** Value and gradients of Σ probe · op(x, γ, β; s, h) with respect to (x, γ, β[, s, h]). */
function valueAndGrads(
  op: Op,
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  groups: number,
  probe: tf.Tensor,
  adaptive: boolean,
  act: boolean,
  scale: tf.Tensor2D,
  shift: tf.Tensor2D,
): { y: Float32Array; grads: Float32Array[] } {
  return tf.tidy(() => valueAndGradsInner(op, x, gamma, beta, groups, probe, adaptive, act, scale, shift));
}

function valueAndGradsInner(
  op: Op,
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  groups: number,
  probe: tf.Tensor,
  adaptive: boolean,
  act: boolean,
  scale: tf.Tensor2D,
  shift: tf.Tensor2D,
): { y: Float32Array; grads: Float32Array[] } {
  const f = (...a: tf.Tensor[]) => {
    const o: GroupNormActOptions = { silu: act };
    if (adaptive) Object.assign(o, { scale: a[3], shift: a[4] });
    return tf.sum(tf.mul(probe, op(a[0] as tf.Tensor4D, a[1], a[2], groups, o)));
  };
  const inputs = adaptive ? [x, gamma, beta, scale, shift] : [x, gamma, beta];
  const grads = tf.grads(f)(inputs).map((g) => g.dataSync() as Float32Array);
  const o: GroupNormActOptions = adaptive ? { scale, shift, silu: act } : { silu: act };
  return { y: op(x, gamma, beta, groups, o).dataSync() as Float32Array, grads };
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

const CASES: [string, boolean, boolean][] = [["adagn_silu", true, true], ["gn_silu", false, true], [
  "gn",
  false,
  false,
]];

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`groupNormAct (${backend}): values and gradients match PyTorch float64`, async () => {
    await initBackend(backend);
    const [b, , , c] = oracle.shape;
    const i = oracle.inputs;
    const x = tf.tensor4d(i.x, oracle.shape), probe = tf.tensor4d(i.probe, oracle.shape);
    const gamma = tf.tensor1d(i.gamma), beta = tf.tensor1d(i.beta);
    const scale = tf.tensor2d(i.scale, [b, c]), shift = tf.tensor2d(i.shift, [b, c]);
    const before = tf.memory().numTensors;
    for (const [name, adaptive, act] of CASES) {
      const want = oracle.cases[name];
      const got = valueAndGrads(
        groupNormAct,
        x,
        gamma,
        beta,
        oracle.groups,
        probe,
        adaptive,
        act,
        scale,
        shift,
      );
      const names = ["dx", "dgamma", "dbeta", "dscale", "dshift"];
      // float32 inputs and outputs (unit roundoff 6e-8): measured ≤ 6.6e-8 (y) and ≤ 1.4e-7 (gradients)
      // of the largest entry.
      assert.ok(maxRel(got.y, want.y) < 3e-7, `${name} y: ${maxRel(got.y, want.y)}`);
      got.grads.forEach((g, k) => {
        const e = maxRel(g, want[names[k]]);
        assert.ok(e < 5e-7, `${name} ${names[k]}: max error ${e} of the largest entry`);
      });
    }
    assert.equal(tf.memory().numTensors, before, "no tensors leak");
    tf.dispose([x, probe, gamma, beta, scale, shift]);
  });
}

Deno.test("groupNormAct: the host kernels agree with autodiff of the composite tfjs ops (bigger shape)", async () => {
  await initBackend("wasm");
  const rng = new Rng(7);
  const shape: [number, number, number, number] = [3, 5, 4, 12];
  const n = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor4d(rng.normalArray(n, 0.2, 3), shape), probe = tf.tensor4d(rng.normalArray(n), shape);
  const gamma = tf.tensor1d(rng.normalArray(12, 1, 0.3)), beta = tf.tensor1d(rng.normalArray(12));
  const scale = tf.tensor2d(rng.normalArray(36, 0, 0.4), [3, 12]),
    shift = tf.tensor2d(rng.normalArray(36), [3, 12]);
  for (const [name, adaptive, act] of CASES) {
    for (const groups of [1, 3, 12]) {
      const a = valueAndGrads(groupNormAct, x, gamma, beta, groups, probe, adaptive, act, scale, shift);
      const e = valueAndGrads(
        groupNormActComposite,
        x,
        gamma,
        beta,
        groups,
        probe,
        adaptive,
        act,
        scale,
        shift,
      );
      assert.ok(maxRel(a.y, e.y) < 1e-5, `${name} G=${groups} y`);
      a.grads.forEach((g, k) => {
        assert.ok(maxRel(g, e.grads[k]) < 1e-4, `${name} G=${groups} grad ${k}: ${maxRel(g, e.grads[k])}`);
      });
    }
  }
  // One kernel forward, one backward (plus the engine's clones of the saved inputs).
  const prof = await tf.profile(() => {
    tf.grads((a: tf.Tensor) => tf.sum(groupNormAct(a as tf.Tensor4D, gamma, beta, 3, { scale, shift })))([x]);
  });
  const names = prof.kernels.map((k) => k.name).filter((k) => k.startsWith("Antbench"));
  assert.deepEqual(names, ["AntbenchGroupNormActSilu", "AntbenchGroupNormActGrad"]);
  tf.dispose([x, probe, gamma, beta, scale, shift]);
});

Deno.test("groupNormAct: bad arguments name the problem", async () => {
  await initBackend("wasm");
  const x = tf.zeros([1, 2, 2, 6]) as tf.Tensor4D, g = tf.ones([6]), s = tf.zeros([1, 6]) as tf.Tensor2D;
  assert.throws(() => groupNormAct(x, g, g, 4), /6 channels are not divisible into 4 groups/);
  assert.throws(() => groupNormAct(x, g, g, 3, { scale: s }), /scale and shift go together/);
  assert.throws(
    () => groupNormAct(x, g, g, 3, { scale: tf.zeros([2, 6]), shift: tf.zeros([2, 6]) }),
    /scale\/shift must be \[1, 6\]/,
  );
  tf.dispose([x, g, s]);
});
