import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../runtime/backend.ts";
import { makeMtlBatch } from "./step.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import { unetFactory } from "../models/unet.ts";
import { minSnrFactory, minSnrWeight } from "../mtl/snr_weighting.ts";
import { vanillaFactory } from "../mtl/vanilla.ts";
import { valueAndGrads } from "../mtl/grads.ts";
import { Rng } from "../runtime/rng.ts";

await initBackend("wasm");

const T = 50, K = 2;
const schedule = makeSchedule("cosine", T);

function setup() {
  const model = unetFactory.build(
    {
      ...unetFactory.defaults,
      channels: 4,
      channelMult: [1, 2],
      groups: 2,
      midAttention: false,
      learnSigma: true,
    },
    { dataShape: [4, 4, 1], T, initSeed: 2 },
  );
  const rng = new Rng(3);
  for (const v of model.variables) v.assign(tf.tensor(rng.normalArray(v.size, 0, 0.2), v.shape));
  const B = 6;
  const batch = {
    x0: Float32Array.from({ length: B * 16 }, () => 2 * rng.uniform() - 1),
    noise: rng.normalArray(B * 16),
    t: Int32Array.from([0, 3, 10, 30, 45, 49]),
    cluster: Int32Array.from([0, 0, 0, 1, 1, 1]),
  };
  return { model, mb: makeMtlBatch(model, schedule, K, batch) };
}

function flat(gs: tf.Tensor[]): Float64Array {
  return Float64Array.from(gs.flatMap((g) => Array.from(g.dataSync())));
}

function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0, m = 0;
  for (let i = 0; i < b.length; i++) {
    n += (a[i] - b[i]) ** 2;
    m += b[i] ** 2;
  }
  return Math.sqrt(n / m);
}

Deno.test("learned variance: every method's per-sample loss is mse + vb (ANT's loss_dict['loss'])", async () => {
  const { model, mb } = setup();
  const total = mb.perSampleLoss().dataSync() as Float32Array;
  const terms = mb.perSampleLossTerms!();
  const mse = terms.mse.dataSync(), vb = terms.vb!.dataSync();
  total.forEach((x, b) => assert.ok(Math.abs(x - (mse[b] + vb[b])) <= 1e-6 * Math.abs(x), `sample ${b}`));
  assert.ok(vb.every((v) => v > 0), "vb is a real term");
  const res = await vanillaFactory.create({}, { k: K, schedule, runSeed: 0 }).step(mb, model.variables, 0);
  const mean = total.reduce((s, x) => s + x, 0) / total.length;
  assert.ok(Math.abs(res.loss.dataSync()[0] - mean) < 1e-6 * mean);
  model.dispose();
});

Deno.test("learned variance: Min-SNR weights the mse term only (loss = mean(w mse + vb), as P2's and DTR's code)", async () => {
  const { model, mb } = setup();
  const w = Array.from(mb.t, (t) => minSnrWeight(schedule.snr[t], 5));
  assert.ok(w.some((x) => x < 0.99), "the weights are not all 1 at these timesteps");
  const gradOf = (f: (mse: tf.Tensor, vb: tf.Tensor) => tf.Tensor) =>
    valueAndGrads(() => {
      const { mse, vb } = mb.perSampleLossTerms!();
      return tf.mean(f(mse, vb!)) as tf.Scalar;
    }, model.variables).grads;
  const wT = tf.tensor1d(w);
  const want = flat(gradOf((mse, vb) => tf.add(tf.mul(wT, mse), vb)));
  const weightedBoth = flat(gradOf((mse, vb) => tf.mul(wT, tf.add(mse, vb))));
  const method = minSnrFactory.create({ gamma: 5 }, { k: K, schedule, runSeed: 0 });
  const res = await method.step(mb, model.variables, 0);
  const got = flat(res.grads);
  assert.ok(relL2(got, want) < 1e-5, `vs mean(w mse + vb): ${relL2(got, want)}`);
  assert.ok(relL2(got, weightedBoth) > 1e-3, "weighting vb too would be a different gradient");
  // Its logged loss is the plain mean of mse + vb.
  const total = mb.perSampleLoss().dataSync() as Float32Array;
  assert.ok(Math.abs(res.loss.dataSync()[0] - total.reduce((s, x) => s + x, 0) / total.length) < 1e-5);
  model.dispose();
});
