import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../runtime/backend.ts";
import { Dit, ditFactory, type DitOptions, sincosPositionEmbedding } from "./dit.ts";
import { getModelFactory } from "./registry.ts";
import { Rng } from "../runtime/rng.ts";
import { UsageError } from "../runtime/errors.ts";
import "../runtime/gradients.ts";

await initBackend("wasm");

const SMALL: DitOptions = { ...ditFactory.defaults, patch: 2, hidden: 16, depth: 2, heads: 2, freqDim: 8 };

Deno.test("dit: parameter count equals a hand count; names unique, in construction order", () => {
  // D = 16, p = 2, C = 1 → C_out = 2, F = 8, r = 4, depth 2.
  const lin = (i: number, o: number) => i * o + o;
  const block = lin(16, 96) + lin(16, 48) + lin(16, 16) + lin(16, 64) + lin(64, 16);
  assert.equal(block, 1632 + 816 + 272 + 1088 + 1040);
  const total = lin(4, 16) + lin(8, 16) + lin(16, 16) + 2 * block + lin(16, 32) + lin(16, 8);
  const m = ditFactory.build(SMALL, { dataShape: [8, 8, 1], T: 100, initSeed: 1 }) as Dit;
  assert.equal(m.paramCount(), total);
  assert.equal(new Set(m.paramNames).size, m.variables.length);
  assert.deepEqual(m.paramNames.slice(0, 2), ["x_embedder.w", "x_embedder.b"]);
  assert.equal(m.paramNames.at(-1), "final.linear.b");
  // Without learned variance the final layer has p² · C outputs.
  const eps = ditFactory.build({ ...SMALL, learnSigma: false }, {
    dataShape: [8, 8, 1],
    T: 100,
    initSeed: 1,
  });
  assert.equal(eps.paramCount(), total - lin(16, 8) + lin(16, 4));
  m.dispose();
  eps.dispose();
});

Deno.test("dit: adaLN-Zero init (exactly 0 out), output [B, H, W, 2C], init statistics as DiT's", () => {
  const m = ditFactory.build({ ...SMALL, patch: 4 }, { dataShape: [8, 12, 3], T: 100, initSeed: 2 }) as Dit;
  const x = tf.randomNormal([3, 8, 12, 3]);
  const y = m.apply(x, tf.tensor1d([0, 5, 99]));
  assert.deepEqual(y.shape, [3, 8, 12, 6]);
  assert.ok(y.dataSync().every((v) => v === 0));
  const byName = new Map(m.paramNames.map((n, i) => [n, m.variables[i]]));
  // Xavier-uniform qkv [16, 48]: bound √(6/64); the timestep MLP N(0, 0.02²); modulation zero.
  const qkv = byName.get("blocks.0.attn.qkv.w")!.dataSync() as Float32Array;
  const a = Math.sqrt(6 / (16 + 48));
  assert.ok(qkv.every((v) => Math.abs(v) <= a) && Math.max(...qkv.map(Math.abs)) > 0.9 * a);
  const t0 = byName.get("t_embedder.mlp0.w")!.dataSync() as Float32Array;
  const sd = Math.sqrt(t0.reduce((s, v) => s + v * v, 0) / t0.length);
  assert.ok(Math.abs(sd - 0.02) < 0.004, `timestep MLP sd ${sd}`);
  assert.ok(byName.get("blocks.1.adaLN.w")!.dataSync().every((v) => v === 0));
  m.dispose();
});

Deno.test("dit: 2-D sin-cos position embedding (MAE/DiT formula) by hand", () => {
  // D = 8: quarter 2, ω = (1, 1/100). Token (row 1, col 2) of a 2 × 3 grid is row-major index 5.
  const e = sincosPositionEmbedding(8, 2, 3);
  const tok = Array.from(e.subarray(5 * 8, 6 * 8));
  const want = [
    Math.sin(2),
    Math.sin(0.02),
    Math.cos(2),
    Math.cos(0.02),
    Math.sin(1),
    Math.sin(0.01),
    Math.cos(1),
    Math.cos(0.01),
  ];
  tok.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-7, `${i}: ${v} vs ${want[i]}`));
  assert.throws(() => sincosPositionEmbedding(6, 2, 2), /multiple of 4/);
});

Deno.test("dit: each output patch depends only on its own input patch through the final layer (unpatchify layout)", () => {
  // At init every gate is zero, so the blocks are the identity and token (i, j) sees only input patch (i, j)
  // (plus the time embedding): with a non-zero final layer, ∂y[patch a]/∂x[patch b] = 0 for a ≠ b.
  const m = ditFactory.build({ ...SMALL, learnSigma: false }, {
    dataShape: [4, 4, 1],
    T: 100,
    initSeed: 3,
  }) as Dit;
  const rng = new Rng(4);
  for (const [i, v] of m.variables.entries()) {
    if (m.paramNames[i].startsWith("final.")) v.assign(tf.tensor(rng.normalArray(v.size, 0, 0.5), v.shape));
  }
  const x = tf.randomNormal([1, 4, 4, 1]);
  // Probe output pixel (row 0, col 3) (patch (0, 1)); its gradient wrt x must vanish outside rows 0-1, cols 2-3.
  const probe = tf.buffer([1, 4, 4, 1]);
  probe.set(1, 0, 0, 3, 0);
  const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(probe.toTensor(), m.apply(xi, tf.tensor1d([10])))))(x);
  const gd = g.dataSync();
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      const inside = r < 2 && c >= 2;
      const v = Math.abs(gd[r * 4 + c]);
      assert.ok(inside ? v > 0 : v === 0, `(${r}, ${c}): ${gd[r * 4 + c]}`);
    }
  }
  m.dispose();
});

Deno.test("dit: options are validated with the option, the value and what is allowed", () => {
  const v = (o: Record<string, unknown>) => ditFactory.validate({ ...ditFactory.defaults, ...o });
  assert.deepEqual(v({}), []);
  assert.match(v({ heads: 3 }).join(), /heads: got 3; allowed: a divisor of hidden = 64/);
  assert.match(v({ hidden: 30, heads: 2 }).join(), /hidden: got 30; allowed: a multiple of 4/);
  assert.match(
    v({ mlpRatio: 0.3 }).join(),
    /mlpRatio: got 0.3; allowed: a ratio with hidden · mlpRatio an integer/,
  );
  assert.match(v({ learnSigma: "yes" }).join(), /learnSigma: got "yes"/);
  assert.match(v({ depth: 0 }).join(), /depth: got 0; allowed: an integer in \[1, 64\]/);
  assert.match(v({ heads4: 1 }).join(), /heads4: got 1; allowed: one of the options/);
  assert.throws(
    () =>
      ditFactory.build({ ...ditFactory.defaults, patch: 3 }, { dataShape: [8, 8, 1], T: 10, initSeed: 0 }),
    (e: Error) =>
      e instanceof UsageError &&
      /patch: got 3; allowed: a divisor of the image sides 8 and 8/.test(e.message),
  );
  assert.throws(
    () => ditFactory.build(ditFactory.defaults, { dataShape: [2], T: 10, initSeed: 0 }),
    /images/,
  );
  assert.equal(getModelFactory("dit"), ditFactory);
});
