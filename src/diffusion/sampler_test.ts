import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import type { Denoiser } from "../models/denoiser.ts";
import { makeSchedule } from "./schedule.ts";
import { respacedTimesteps } from "./respacing.ts";
import { sample } from "./sampler.ts";
import { ddpmCoefficients } from "./sampler_ddpm.ts";
import { ddimCoefficients } from "./sampler_ddim.ts";
import { rngFor } from "../runtime/rng.ts";
import { qSample } from "./forward.ts";
import { Ema } from "./ema.ts";

await tf.setBackend("cpu");

/**
 * The exact ε-predictor for data x_0 ~ N(0, s² I): E[ε | x_t] = √(1-ᾱ) x_t / (ᾱ s² + 1 - ᾱ)
 * (Gaussian conditioning), an oracle denoiser with no parameters.
 */
function gaussianDenoiser(s2: number, alphaBar: Float64Array): Denoiser {
  return {
    id: "oracle",
    dataShape: [1],
    variables: [],
    apply(x, t) {
      const ts = t.dataSync();
      const c = new Float32Array(ts.length);
      for (let i = 0; i < ts.length; i++) {
        const ab = alphaBar[ts[i]];
        c[i] = Math.sqrt(1 - ab) / (ab * s2 + 1 - ab);
      }
      return tf.mul(x, tf.tensor2d(c, [ts.length, 1]));
    },
    paramCount: () => 0,
    dispose() {},
  };
}

Deno.test("respacing: evenly spaced, includes 0 and T-1, rejects bad counts", () => {
  assert.deepEqual(Array.from(respacedTimesteps(1000, 5)), [0, 250, 500, 749, 999]);
  assert.deepEqual(Array.from(respacedTimesteps(10, 10)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(Array.from(respacedTimesteps(10, 1)), [9]);
  assert.throws(() => respacedTimesteps(10, 11), /\[1, 10\]/);
});

Deno.test("DDPM coefficients: full schedule reduces to Ho et al. Algorithm 2", () => {
  const sch = makeSchedule("linear", 1000);
  const t = 500;
  const ab = sch.alphaBar[t], abp = sch.alphaBar[t - 1], beta = sch.betas[t], alpha = 1 - beta;
  const c = ddpmCoefficients(ab, abp, "posterior", false);
  // x_prev = 1/√α (x - β/√(1-ᾱ) ε) with x̂0 = (x - √(1-ᾱ) ε)/√ᾱ: coefficients of x and ε must match.
  const coefX = c.cX0 / Math.sqrt(ab) + c.cXt;
  const coefEps = -c.cX0 * Math.sqrt(1 - ab) / Math.sqrt(ab);
  assert.ok(Math.abs(coefX - 1 / Math.sqrt(alpha)) < 1e-12);
  assert.ok(Math.abs(coefEps - (-beta / Math.sqrt(alpha) / Math.sqrt(1 - ab))) < 1e-12);
  assert.ok(Math.abs(c.sigma ** 2 - beta * (1 - abp) / (1 - ab)) < 1e-15);
  assert.equal(ddpmCoefficients(ab, abp, "beta", false).sigma, Math.sqrt(1 - ab / abp));
  assert.equal(ddpmCoefficients(ab, abp, "beta", true).sigma, 0);
});

Deno.test("DDIM with eta = 1 has the DDPM posterior variance; eta = 0 is deterministic", () => {
  const ab = 0.3, abp = 0.5;
  const d1 = ddimCoefficients(ab, abp, 1);
  assert.ok(Math.abs(d1.sigma ** 2 - (1 - abp) / (1 - ab) * (1 - ab / abp)) < 1e-15);
  const d0 = ddimCoefficients(ab, abp, 0);
  assert.equal(d0.sigma, 0);
  assert.equal(d0.cEps, Math.sqrt(1 - abp));
});

Deno.test("DDIM (eta = 0) with the exact Gaussian denoiser follows the hand-derived per-step contraction", async () => {
  const s2 = 0.25, T = 1000, steps = 50;
  const sch = makeSchedule("linear", T);
  const model = gaussianDenoiser(s2, sch.alphaBar);
  const n = 64;
  const xs = await sample(model, sch, n, rngFor(3, "sampler"), { kind: "ddim", steps, eta: 0 });
  const xT = rngFor(3, "sampler").normalArray(n);
  // For this model x_prev = x (√ᾱ_prev √ᾱ s² + √(1-ᾱ_prev) √(1-ᾱ)) / (ᾱ s² + 1 - ᾱ).
  const ts = respacedTimesteps(T, steps);
  let factor = 1;
  for (let i = ts.length - 1; i >= 0; i--) {
    const ab = sch.alphaBar[ts[i]], abp = i > 0 ? sch.alphaBar[ts[i - 1]] : 1;
    factor *= (Math.sqrt(abp * ab) * s2 + Math.sqrt((1 - abp) * (1 - ab))) / (ab * s2 + 1 - ab);
  }
  for (let i = 0; i < n; i++) assert.ok(Math.abs(xs[i] - xT[i] * factor) < 1e-4 * (1 + Math.abs(xT[i])));
  // and the ODE lands close to the data scale s = 0.5
  assert.ok(Math.abs(factor - 0.5) < 0.05, `factor ${factor}`);
});

Deno.test("DDPM ancestral with the exact Gaussian denoiser: sample variance matches the variance recursion", async () => {
  const s2 = 0.25, T = 200;
  const sch = makeSchedule("cosine", T);
  const model = gaussianDenoiser(s2, sch.alphaBar);
  const n = 20000;
  const xs = await sample(model, sch, n, rngFor(4, "sampler"), { kind: "ddpm", steps: T });
  // Var recursion: x_prev = (cX0 k + cXt) x + σ z, with x̂0 = k x, k = √ᾱ s² / (ᾱ s² + 1 - ᾱ).
  let v = 1;
  for (let t = T - 1; t >= 0; t--) {
    const ab = sch.alphaBar[t], abp = t > 0 ? sch.alphaBar[t - 1] : 1;
    const c = ddpmCoefficients(ab, abp, "posterior", t === 0);
    const k = Math.sqrt(ab) * s2 / (ab * s2 + 1 - ab);
    v = (c.cX0 * k + c.cXt) ** 2 * v + c.sigma ** 2;
  }
  let m2 = 0;
  for (let i = 0; i < n; i++) m2 += xs[i] * xs[i];
  m2 /= n;
  // sampling error of a variance estimate: sd ≈ v √(2/n)
  assert.ok(Math.abs(m2 - v) < 5 * v * Math.sqrt(2 / n), `empirical ${m2} vs recursion ${v}`);
  assert.ok(Math.abs(v - s2) < 0.02, `recursion ${v} should be near s² = ${s2}`);
});

Deno.test("qSample: √ᾱ x0 + √(1-ᾱ) ε per sample", () => {
  const sch = makeSchedule("linear", 10);
  const x0 = tf.tensor2d([[1, 2], [3, 4]]);
  const eps = tf.tensor2d([[0.5, -1], [2, 0]]);
  const xt = qSample(sch, x0, eps, new Int32Array([0, 9])).dataSync();
  const a0 = Math.sqrt(sch.alphaBar[0]), s0 = Math.sqrt(1 - sch.alphaBar[0]);
  const a9 = Math.sqrt(sch.alphaBar[9]), s9 = Math.sqrt(1 - sch.alphaBar[9]);
  const want = [a0 + 0.5 * s0, 2 * a0 - s0, 3 * a9 + 2 * s9, 4 * a9];
  want.forEach((w, i) => assert.ok(Math.abs(xt[i] - w) < 1e-6));
  assert.throws(() => qSample(sch, x0, eps, new Int32Array([0, 10])), /outside 0..9/);
});

for (const storage of ["device", "host"] as const) {
  Deno.test(`EMA (${storage}): warm-up decay and closed-form average after two updates`, async () => {
    await emaClosedForm(storage);
  });
}

async function emaClosedForm(storage: "device" | "host") {
  const v = tf.variable(tf.tensor1d([0]));
  const ema = new Ema([v], 0.9, storage);
  assert.equal(ema.effectiveDecay(0), 0.1);
  v.assign(tf.tensor1d([10]));
  ema.update([v], 0); // 0.1*0 + 0.9*10 = 9
  v.assign(tf.tensor1d([20]));
  ema.update([v], 1); // d = min(0.9, 2/11): 2/11*9 + 9/11*20
  const want = 2 / 11 * 9 + 9 / 11 * 20;
  assert.ok(Math.abs((await ema.shadowData())[0][0] - want) < 1e-5);
  const inside = await ema.withShadow([v], async () => (await v.data())[0]);
  assert.ok(Math.abs(inside - want) < 1e-5);
  assert.equal(v.dataSync()[0], 20);
  // An asynchronous body that fails still gets the weights restored.
  await assert.rejects(
    ema.withShadow([v], async () => {
      assert.ok(Math.abs((await v.data())[0] - want) < 1e-5);
      throw new Error("sampler failed");
    }),
    /sampler failed/,
  );
  assert.equal(v.dataSync()[0], 20);
  ema.dispose();
  v.dispose();
}
