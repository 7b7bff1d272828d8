import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { mlpFactory } from "./mlp.ts";
import { timeFrequencies, timestepEmbedding } from "./time_embedding.ts";

await tf.setBackend("cpu");

Deno.test("mlp: parameter count equals the hand count for the defaults (37,762); dispose frees everything", () => {
  const before = tf.memory().numTensors;
  const m = mlpFactory.build(mlpFactory.defaults, { dataShape: [2], T: 1000, initSeed: 5 });
  // (2+32)*128 + 128 + 2*(128*128 + 128) + 128*2 + 2
  assert.equal(m.paramCount(), 34 * 128 + 128 + 2 * (128 * 128 + 128) + 256 + 2);
  assert.equal(m.paramCount(), 37762);
  m.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("mlp: output shape, and initialisation is a pure function of the seed", () => {
  const opts = { ...mlpFactory.defaults, hidden: 16, depth: 2 };
  const a = mlpFactory.build(opts, { dataShape: [2], T: 100, initSeed: 9 });
  const b = mlpFactory.build(opts, { dataShape: [2], T: 100, initSeed: 9 });
  const c = mlpFactory.build(opts, { dataShape: [2], T: 100, initSeed: 10 });
  for (let i = 0; i < a.variables.length; i++) {
    assert.deepEqual(a.variables[i].dataSync(), b.variables[i].dataSync());
  }
  assert.notDeepEqual(a.variables[0].dataSync(), c.variables[0].dataSync());
  const y = a.apply(tf.zeros([5, 2]), tf.tensor1d([0, 1, 2, 3, 4]));
  assert.deepEqual(y.shape, [5, 2]);
  // With x = 0 the first layer reduces to emb(t) W_t + b_1: check one output by hand on the host.
  const emb = timestepEmbedding(tf.tensor1d([3]), 32).dataSync();
  const [, wt, b1, w2, b2, wo, bo] = a.variables.map((v) => v.dataSync());
  const H = 16;
  const h1 = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    let s = b1[j];
    for (let i = 0; i < 32; i++) s += emb[i] * wt[i * H + j];
    h1[j] = Math.max(0, s);
  }
  const h2 = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    let s = b2[j];
    for (let i = 0; i < H; i++) s += h1[i] * w2[i * H + j];
    h2[j] = Math.max(0, s);
  }
  const out = y.dataSync();
  for (let o = 0; o < 2; o++) {
    let s = bo[o];
    for (let i = 0; i < H; i++) s += h2[i] * wo[i * 2 + o];
    assert.ok(Math.abs(out[3 * 2 + o] - s) < 1e-5, `output ${o}: ${out[3 * 2 + o]} vs ${s}`);
  }
  a.dispose();
  b.dispose();
  c.dispose();
});

Deno.test("time embedding: sin/cos of t·ω with ω_i = 10000^(-i/h)", () => {
  const f = timeFrequencies(4);
  assert.ok(Math.abs(f[1] - 0.01) < 1e-9); // 10000^(-1/2)
  const e = timestepEmbedding(tf.tensor1d([2]), 4).dataSync();
  assert.ok(Math.abs(e[0] - Math.sin(2)) < 1e-6);
  assert.ok(Math.abs(e[1] - Math.sin(0.02)) < 1e-6);
  assert.ok(Math.abs(e[2] - Math.cos(2)) < 1e-6);
  assert.ok(Math.abs(e[3] - Math.cos(0.02)) < 1e-6);
  assert.throws(() => timeFrequencies(3), /even integer/);
});

Deno.test("mlp: validation names every bad option", () => {
  const p = mlpFactory.validate({ hidden: 0, depth: 2, timeDim: 7, activation: "tanh", widht: 3 });
  assert.equal(p.length, 4);
  assert.match(p.join("\n"), /widht/);
  assert.match(p.join("\n"), /hidden: got 0/);
  assert.match(p.join("\n"), /timeDim: got 7; allowed: an even integer/);
  assert.match(p.join("\n"), /activation: got "tanh"/);
});
