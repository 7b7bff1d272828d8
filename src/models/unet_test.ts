import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../runtime/backend.ts";
import { Unet, unetFactory, type UnetOptions } from "./unet.ts";
import { Rng } from "../runtime/rng.ts";
import { UsageError } from "../runtime/errors.ts";

await initBackend("wasm");

const SMALL: UnetOptions = {
  ...unetFactory.defaults,
  channels: 4,
  channelMult: [1, 2],
  numResBlocks: 1,
  attentionResolutions: [4],
  midAttention: true,
  attentionHeads: 1,
  groups: 2,
  scaleShiftNorm: true,
  resample: "conv",
  timeEmbedMult: 2,
};
const ctx8 = { dataShape: [8, 8, 1], T: 1000, initSeed: 11 };

Deno.test("unet parameter count equals a hand count for a small config", () => {
  // C = 4, E = 8, levels at 8x8 (mult 1) and 4x4 (mult 2, attention), groups 2. Per block (weights + biases):
  const time = (4 * 8 + 8) + (8 * 8 + 8); // 112
  const inConv = 9 * 1 * 4 + 4; // 40
  const norm = (c: number) => 2 * c;
  const conv3 = (i: number, o: number) => 9 * i * o + o;
  const lin = (i: number, o: number) => i * o + o;
  const res = (i: number, o: number) =>
    norm(i) + conv3(i, o) + 2 * lin(8, o) + norm(o) + conv3(o, o) + (i !== o ? lin(i, o) : 0);
  const attn = (c: number) => norm(c) + 4 * lin(c, c);
  // Hand-evaluated values of the pieces: res(4,4) = 384, res(4,8) = 1088, res(8,8) = 1344, attn(8) = 304,
  // res(16,8) = 2072, res(12,8) = 1744, res(12,4) = 740, res(8,4) = 572.
  assert.deepEqual(
    [res(4, 4), res(4, 8), res(8, 8), attn(8), res(16, 8), res(12, 8), res(12, 4), res(8, 4)],
    [384, 1088, 1344, 304, 2072, 1744, 740, 572],
  );
  const down = res(4, 4) + conv3(4, 4) + res(4, 8) + attn(8); // skips: 4 (in), 4, 4 (resample), 8
  const mid = res(8, 8) + attn(8) + res(8, 8);
  const up = res(16, 8) + attn(8) + res(12, 8) + attn(8) + conv3(8, 8) + res(12, 4) + res(8, 4);
  const out = norm(4) + conv3(4, 1);
  const total = time + inConv + down + mid + up + out;
  assert.equal(total, 11433);
  const m = unetFactory.build(SMALL, ctx8) as Unet;
  assert.equal(m.paramCount(), total);
  assert.equal(new Set(m.paramNames).size, m.variables.length);
  assert.equal(m.paramNames[0], "time.lin1.w");
  assert.equal(m.paramNames.at(-1), "out.conv.b");
  m.dispose();
});

Deno.test("unet output has the input shape; zero-initialised output layer gives exactly 0 at init", () => {
  for (
    const [shape, o] of [
      [[8, 8, 1], SMALL],
      [[16, 16, 3], { ...SMALL, channelMult: [1, 2, 2], attentionResolutions: [8, 4], attentionHeads: 2 }],
      [[12, 12, 1], {
        ...SMALL,
        channelMult: [1, 1, 2],
        attentionResolutions: [3],
        resample: "pool",
        scaleShiftNorm: false,
        midAttention: false,
      }],
    ] as [number[], UnetOptions][]
  ) {
    const m = unetFactory.build(o, { dataShape: shape, T: 1000, initSeed: 3 });
    const x = tf.tensor(new Rng(1).normalArray(2 * shape[0] * shape[1] * shape[2]), [2, ...shape]);
    const y = m.apply(x, tf.tensor1d([0, 999]));
    assert.deepEqual(y.shape, [2, ...shape]);
    assert.equal(tf.max(tf.abs(y)).dataSync()[0], 0);
    tf.dispose([x, y]);
    m.dispose();
  }
});

Deno.test("unet init is deterministic in the init seed", () => {
  const weights = (seed: number) => {
    const m = unetFactory.build(SMALL, { ...ctx8, initSeed: seed });
    const w = m.variables.map((v) => Array.from(v.dataSync()));
    m.dispose();
    return w;
  };
  const a = weights(11), b = weights(11), c = weights(12);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0], c[0]);
  // U(±1/√fan_in) for time.lin1.w (fan_in 4): every value within ±0.5.
  assert.ok(a[0].every((v) => Math.abs(v) <= 0.5) && a[0].some((v) => Math.abs(v) > 0.25));
});

Deno.test("unet trains: gradients reach every parameter and Adam steps reduce the loss on a fixed batch", () => {
  const m = unetFactory.build(SMALL, ctx8);
  const rng = new Rng(7);
  const x = tf.tensor(rng.normalArray(4 * 64), [4, 8, 8, 1]);
  const eps = tf.tensor(rng.normalArray(4 * 64), [4, 8, 8, 1]);
  const t = tf.tensor1d([10, 200, 500, 900]);
  const xt = tf.add(tf.mul(x, 0.6), tf.mul(eps, 0.8));
  const lossFn = () => tf.mean(tf.square(tf.sub(m.apply(xt, t), eps))) as tf.Scalar;
  const opt = tf.train.adam(2e-2);
  const losses: number[] = [];
  const STEPS = 6;
  const touched = new Array(m.variables.length).fill(false);
  for (let s = 0; s < STEPS; s++) {
    const { value, grads } = tf.variableGrads(lossFn, m.variables as tf.Variable[]);
    // At step 0 only the output layer has a gradient (ADM's zero-initialised layers); once those moved,
    // every parameter must get one.
    if (s === STEPS - 1) {
      m.variables.forEach((v, i) => {
        touched[i] = tf.max(tf.abs(grads[v.name])).dataSync()[0] > 0;
      });
    }
    opt.applyGradients(grads as tf.NamedTensorMap as Parameters<typeof opt.applyGradients>[0]);
    losses.push(value.dataSync()[0]);
    tf.dispose([value, ...Object.values(grads)]);
  }
  // At init the output is 0, so the loss is mean(ε²).
  assert.ok(Math.abs(losses[0] - tf.mean(tf.square(eps)).dataSync()[0]) < 1e-6);
  assert.ok(losses[STEPS - 1] < 0.75 * losses[0], `loss ${losses[0]} -> ${losses[STEPS - 1]}`);
  const untouched = (m as Unet).paramNames.filter((_, i) => !touched[i]);
  assert.deepEqual(untouched, []);
  opt.dispose();
  tf.dispose([x, eps, t, xt]);
  m.dispose();
});

Deno.test("unet options are validated with clear messages", () => {
  assert.deepEqual(unetFactory.validate(unetFactory.defaults), []);
  // The defaults build for 8x8, 28x28 and 32x32 images.
  for (const dataShape of [[8, 8, 1], [28, 28, 1], [32, 32, 3]]) {
    const m = unetFactory.build(unetFactory.defaults, { dataShape, T: 1000, initSeed: 1 });
    m.dispose();
  }
  assert.deepEqual(
    unetFactory.validate({ ...unetFactory.defaults, channels: 0, resample: "stride", depth: 3 }),
    [
      `depth: got 3; allowed: one of the options ${Object.keys(unetFactory.defaults).join(", ")}, learnSigma`,
      `channels: got 0; allowed: an integer in [1, 1024]`,
      `resample: got "stride"; allowed: "conv" | "pool"`,
    ],
  );
  assert.deepEqual(
    unetFactory.validate({ ...unetFactory.defaults, channels: 12, groups: 8, channelMult: [1, 2] }),
    [
      `groups: got 8; allowed: a divisor of every channel width (12, 24)`,
    ],
  );
  // Shape-dependent problems surface at build time.
  assert.throws(
    () =>
      unetFactory.build({ ...unetFactory.defaults, channelMult: [1, 2, 2, 2] }, {
        dataShape: [28, 28, 1],
        T: 1000,
        initSeed: 1,
      }),
    (e: Error) =>
      e instanceof UsageError &&
      /channelMult: got \[1,2,2,2\]; allowed: at most 3 levels for 28x28 images/.test(e.message),
  );
  assert.throws(
    () => unetFactory.build({ ...SMALL, attentionResolutions: [2] }, ctx8),
    /attentionResolutions: got \[2\]; allowed: resolutions among 8, 4/,
  );
  assert.throws(() => unetFactory.build(SMALL, { ...ctx8, dataShape: [2] }), /unet: data must be images/);
});

Deno.test("unet learnSigma: [ε̂, v] out (2C channels, zero at init), one more out-conv block; validated", () => {
  const plain = unetFactory.build(SMALL, { ...ctx8, dataShape: [8, 8, 2] });
  const m = unetFactory.build({ ...SMALL, learnSigma: true }, { ...ctx8, dataShape: [8, 8, 2] });
  assert.equal(m.learnSigma, true);
  assert.equal(plain.learnSigma, false);
  // out.conv: 3x3 from C = 4 to 2C = 4 instead of 2 channels: 9·4·2 weights and 2 biases more.
  assert.equal(m.paramCount() - plain.paramCount(), 9 * 4 * 2 + 2);
  const y = m.apply(tf.randomNormal([2, 8, 8, 2]), tf.tensor1d([3, 500]));
  assert.deepEqual(y.shape, [2, 8, 8, 4]);
  assert.ok(y.dataSync().every((v) => v === 0));
  // Absent from the defaults (the ids of ε-only runs stay as they were), validated when given.
  assert.equal("learnSigma" in unetFactory.defaults, false);
  assert.deepEqual(unetFactory.validate({ ...unetFactory.defaults, learnSigma: false }), []);
  assert.match(unetFactory.validate({ ...unetFactory.defaults, learnSigma: 1 }).join(), /learnSigma: got 1/);
  m.dispose();
  plain.dispose();
});
