import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import type { Denoiser } from "../models/denoiser.ts";
import { makeSchedule } from "./schedule.ts";
import { respacedTimesteps } from "./respacing.ts";
import { sample } from "./sampler.ts";
import { ddpmCoefficients } from "./sampler_ddpm.ts";
import { rngFor } from "../runtime/rng.ts";

await tf.setBackend("cpu");

/**
 * The exact ε-predictor for x_0 ~ N(0, s² I) in one dimension, E[ε | x_t] = √(1-ᾱ) x_t / (ᾱ s² + 1 - ᾱ),
 * optionally with a learned-variance output v that is the constant `v` (so the model's variance is known
 * in closed form).
 */
function oracle(s2: number, alphaBar: Float64Array, v?: number): Denoiser {
  return {
    id: "oracle",
    dataShape: [1],
    learnSigma: v !== undefined,
    variables: [],
    apply(x, t) {
      const ts = t.dataSync();
      const c = Float32Array.from(
        ts,
        (ti) => Math.sqrt(1 - alphaBar[ti]) / (alphaBar[ti] * s2 + 1 - alphaBar[ti]),
      );
      const eps = tf.mul(x, tf.tensor2d(c, [ts.length, 1]));
      return v === undefined ? eps : tf.concat([eps, tf.fill([ts.length, 1], v)], 1);
    },
    paramCount: () => 0,
    dispose() {},
  };
}

const maxAbs = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

Deno.test("learned variance, DDPM: v = −1 is the fixed-small (β̃) and v = +1 the fixed-large (β) sampler, respaced", async () => {
  const sch = makeSchedule("cosine", 200);
  const n = 256;
  for (const [v, variance] of [[-1, "posterior"], [1, "beta"]] as const) {
    const opts = { kind: "ddpm" as const, steps: 25 };
    const learned = await sample(oracle(0.25, sch.alphaBar, v), sch, n, rngFor(1, "sampler"), opts);
    const fixed = await sample(oracle(0.25, sch.alphaBar), sch, n, rngFor(1, "sampler"), {
      ...opts,
      variance,
    });
    assert.ok(maxAbs(learned, fixed) < 1e-5, `v = ${v}: ${maxAbs(learned, fixed)}`);
  }
  // The variance matters: the two fixed samplers differ.
  const small = await sample(oracle(0.25, sch.alphaBar, -1), sch, n, rngFor(1, "sampler"), {
    kind: "ddpm",
    steps: 25,
  });
  const large = await sample(oracle(0.25, sch.alphaBar, 1), sch, n, rngFor(1, "sampler"), {
    kind: "ddpm",
    steps: 25,
  });
  assert.ok(maxAbs(small, large) > 1e-2);
});

Deno.test("learned variance, DDIM: the variance output is ignored (improved-diffusion's ddim_sample)", async () => {
  const sch = makeSchedule("linear", 100);
  const opts = { kind: "ddim" as const, steps: 10, eta: 0.5 };
  const a = await sample(oracle(0.3, sch.alphaBar, 0.7), sch, 64, rngFor(2, "sampler"), opts);
  const b = await sample(oracle(0.3, sch.alphaBar), sch, 64, rngFor(2, "sampler"), opts);
  assert.deepEqual(a, b);
});

Deno.test("learned variance, DDPM with v = 0: sample variance follows the recursion with σ² = √(β β̃)", async () => {
  const s2 = 0.25, T = 100, steps = 50;
  const sch = makeSchedule("linear", T);
  const n = 20000;
  const xs = await sample(oracle(s2, sch.alphaBar, 0), sch, n, rngFor(4, "sampler"), { kind: "ddpm", steps });
  const ts = respacedTimesteps(T, steps);
  let v = 1;
  for (let i = ts.length - 1; i >= 0; i--) {
    const ab = sch.alphaBar[ts[i]], abp = i > 0 ? sch.alphaBar[ts[i - 1]] : 1;
    const c = ddpmCoefficients(ab, abp, "posterior", i === 0);
    const beta = 1 - ab / abp, post = beta * (1 - abp) / (1 - ab);
    const k = Math.sqrt(ab) * s2 / (ab * s2 + 1 - ab);
    v = (c.cX0 * k + c.cXt) ** 2 * v + (i === 0 ? 0 : Math.sqrt(beta * post));
  }
  let m2 = 0;
  for (const x of xs) m2 += x * x;
  m2 /= n;
  assert.ok(Math.abs(m2 - v) < 5 * v * Math.sqrt(2 / n), `empirical ${m2} vs recursion ${v}`);
});
