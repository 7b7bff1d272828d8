import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../runtime/backend.ts";
import { onePassClusterGradients } from "./cluster_pass.ts";
import { groupByCluster, makeMtlBatch } from "./step.ts";
import { clusterGradients, combineGradients, readGramAndLosses } from "../mtl/cluster_grads.ts";
import { valueAndGrads } from "../mtl/grads.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import { mlpFactory } from "../models/mlp.ts";
import { unetFactory } from "../models/unet.ts";
import { ditFactory } from "../models/dit.ts";
import type { Denoiser } from "../models/denoiser.ts";
import { Rng } from "../runtime/rng.ts";

await initBackend("wasm");

const T = 100, K = 4;
const schedule = makeSchedule("linear", T);
// Unsorted, unequal cluster sizes (5, 2, 0, 3): cluster 2 is empty.
const CLUSTER = Int32Array.from([1, 0, 3, 0, 0, 3, 1, 0, 3, 0]);
// The stratified sampler's layout: sorted, equal sizes (the batched per-segment products).
const STRATIFIED = Int32Array.from([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);

function batchFor(model: Denoiser, cluster: Int32Array = CLUSTER) {
  const rng = new Rng(31);
  const dim = model.dataShape.reduce((a, b) => a * b, 1), B = cluster.length;
  const t = Int32Array.from(cluster, (c) => c * 25 + rng.int(0, 25));
  return { x0: rng.normalArray(B * dim), noise: rng.normalArray(B * dim), t, cluster };
}

/** The reference: one forward + backward per cluster, on that cluster's samples only. */
function perClusterPasses(
  model: Denoiser,
  b: ReturnType<typeof batchFor>,
): { losses: number[]; grads: Float64Array[] } {
  const mb = makeMtlBatch(model, schedule, K, b);
  const losses: number[] = [], grads: Float64Array[] = [];
  for (const g of mb.groups) {
    if (g.length === 0) continue;
    const r = valueAndGrads(() => tf.mean(mb.perSampleLoss(g)) as tf.Scalar, model.variables);
    losses.push(r.value.dataSync()[0]);
    grads.push(Float64Array.from(r.grads.flatMap((x) => Array.from(x.dataSync()))));
    tf.dispose([r.value, ...r.grads]);
  }
  return { losses, grads };
}

function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, n = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return Math.sqrt(d / n);
}

const MODELS: [string, () => Denoiser][] = [
  [
    "mlp",
    () =>
      mlpFactory.build({ ...mlpFactory.defaults, hidden: 32, depth: 3 }, { dataShape: [2], T, initSeed: 3 }),
  ],
  [
    "mlp (silu)",
    () =>
      mlpFactory.build({ ...mlpFactory.defaults, hidden: 16, depth: 2, activation: "silu" }, {
        dataShape: [2],
        T,
        initSeed: 4,
      }),
  ],
  ["unet (AdaGN, attention, resampling convs)", () =>
    unetFactory.build({
      ...unetFactory.defaults,
      channels: 8,
      channelMult: [1, 2],
      groups: 2,
      attentionResolutions: [4],
    }, { dataShape: [8, 8, 1], T, initSeed: 5 })],
  ["unet (no scale-shift, pooling)", () =>
    unetFactory.build({
      ...unetFactory.defaults,
      channels: 8,
      channelMult: [1, 2],
      groups: 2,
      scaleShiftNorm: false,
      resample: "pool",
      midAttention: false,
    }, { dataShape: [4, 4, 1], T, initSeed: 6 })],
  ["unet (learned variance: hybrid loss)", () =>
    unetFactory.build({
      ...unetFactory.defaults,
      channels: 4,
      channelMult: [1, 2],
      groups: 2,
      midAttention: false,
      learnSigma: true,
    }, { dataShape: [4, 4, 2], T, initSeed: 7 })],
  [
    "dit (adaLN-Zero, 2 heads, learned variance: hybrid loss)",
    () =>
      ditFactory.build({ ...ditFactory.defaults, hidden: 16, depth: 2, heads: 2, freqDim: 8 }, {
        dataShape: [4, 4, 1],
        T,
        initSeed: 8,
      }),
  ],
];

for (const [name, build] of MODELS) {
  for (const [layout, cluster] of [["unsorted, unequal", CLUSTER], ["stratified", STRATIFIED]] as const) {
    Deno.test(`one pass (${layout}): every cluster's gradient equals its own pass to float32 rounding (${name})`, async () => {
      await checkOnePass(build, cluster);
    });
  }
}

async function checkOnePass(build: () => Denoiser, cluster: Int32Array) {
  {
    const model = build();
    // Give the zero-initialised layers weights, so every gradient is non-trivial.
    const rng = new Rng(9);
    for (const v of model.variables) v.assign(tf.tensor(rng.normalArray(v.size, 0, 0.3), v.shape));
    const b = batchFor(model, cluster);
    const before = tf.memory().numTensors;
    const want = perClusterPasses(model, b);
    const groups = groupByCluster(cluster, K);
    const prof = await tf.profile(() => {
      const got = onePassClusterGradients(model, schedule, b, groups, model.variables)!;
      assert.deepEqual(got.tasks, groups.flatMap((g, i) => g.length > 0 ? [i] : []));
      assert.deepEqual(got.counts, groups.flatMap((g) => g.length > 0 ? [g.length] : []));
      got.grads.forEach((g, a) => {
        const flat = Float64Array.from(g.flatMap((x) => Array.from(x)));
        const e = relL2(flat, want.grads[a]);
        // Measured ≤ 7.7e-8 (float32 rounding: the full-batch kernels sum in another order).
        assert.ok(e < 5e-7, `task ${a}: relative L2 error ${e}`);
        assert.ok(Math.abs(got.losses[a] - want.losses[a]) <= 1e-6 * Math.abs(want.losses[a]), `loss ${a}`);
      });
    });
    // One forward over the whole batch: the loss kernel runs once.
    const lossKernels = ["AntbenchEpsMse", "AntbenchHybridLoss"];
    assert.equal(prof.kernels.filter((k) => lossKernels.includes(k.name)).length, 1);
    assert.equal(tf.memory().numTensors, before, "no tensors leak");
    model.dispose();
  }
}

Deno.test("one pass feeds the methods' helpers: Gram, combination and losses from host arrays", async () => {
  const model = MODELS[0][1]();
  const b = batchFor(model);
  const mb = makeMtlBatch(model, schedule, K, b);
  const want = perClusterPasses(model, b);
  const cg = clusterGradients(mb, model.variables);
  assert.ok(cg.host, "the stepper's batch takes the one-pass path on wasm");
  const { gram, losses } = await readGramAndLosses(cg);
  for (let a = 0; a < 3; a++) {
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let j = 0; j < want.grads[a].length; j++) s += want.grads[a][j] * want.grads[c][j];
      assert.ok(Math.abs(gram[a * 3 + c] - s) <= 1e-5 * Math.abs(gram[a * 3 + a]), `gram ${a},${c}`);
    }
    assert.ok(Math.abs(losses[a] - want.losses[a]) < 1e-6);
  }
  const w = [0.5, -2, 1];
  const kernelsBefore = (await tf.profile(() => {
    const combined = combineGradients(cg, w, model.variables);
    const flat = combined.flatMap((x) => Array.from(x.dataSync()));
    flat.forEach((x, j) => {
      const e = w[0] * want.grads[0][j] + w[1] * want.grads[1][j] + w[2] * want.grads[2][j];
      assert.ok(Math.abs(x - e) < 1e-5 * (1 + Math.abs(e)), `combined[${j}]`);
    });
    tf.dispose(combined);
  })).kernels.length;
  assert.equal(kernelsBefore, 0, "the combination is a host loop");
  // The tensor view is still available (uploaded on demand).
  assert.equal(cg.grads.length, 3);
  cg.dispose();
  model.dispose();
});

Deno.test("one pass declines for a model whose weights go through ops without per-segment gradients", () => {
  const w = tf.variable(tf.tensor2d([[0.5], [-1]]));
  const plain: Denoiser = {
    id: "plain",
    dataShape: [2],
    variables: [w],
    apply: (x) => tf.matMul(x as tf.Tensor2D, tf.tile(w, [1, 2])),
    paramCount: () => 2,
    dispose: () => w.dispose(),
  };
  const b = batchFor(plain);
  assert.equal(onePassClusterGradients(plain, schedule, b, groupByCluster(CLUSTER, K), [w]), null);
  // The methods then get the per-cluster passes.
  const cg = clusterGradients(makeMtlBatch(plain, schedule, K, b), [w]);
  assert.equal(cg.host, undefined);
  assert.deepEqual(cg.tasks, [0, 1, 3]);
  cg.dispose();
  plain.dispose();
});
