/**
 * The sampling loop shared by the DDPM ancestral and DDIM samplers, over a respaced timestep sequence.
 *
 * Noise (x_T and every z) comes from the given Rng stream in JavaScript, so samples are identical on every
 * backend given the same model outputs. The model always receives the original timestep τ_i.
 *
 * The chain runs on the backend; the host reads the result once per chunk (`await data()`, the only read
 * tfjs-webgpu supports under Deno).
 *
 * A model with learned variance (`Denoiser.learnSigma`, output [ε̂, v]): DDPM draws with its variance
 * Σ = exp(f log β_i + (1 − f) log β̃_i), f = (v + 1)/2, where β_i = 1 − ᾱ_{τ_i}/ᾱ_{τ_{i−1}} and β̃_i are
 * those of the respaced process (src/diffusion/learned_variance.ts; improved-diffusion's `SpacedDiffusion`
 * and `p_sample`), and the `variance` option is ignored; DDIM uses ε̂ only (improved-diffusion's
 * `ddim_sample` takes x̂_0 from `p_mean_variance` and its σ from η, not from the model's variance).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Denoiser } from "../models/denoiser.ts";
import type { Rng } from "../runtime/rng.ts";
import type { NoiseSchedule } from "./schedule.ts";
import { respacedTimesteps } from "./respacing.ts";
import { ddpmCoefficients } from "./sampler_ddpm.ts";
import { ddimCoefficients } from "./sampler_ddim.ts";
import { readConcat } from "../runtime/read.ts";
import { respacedVarianceTables } from "./learned_variance.ts";

/** Sampler settings. */
export interface SamplerOptions {
  kind: "ddpm" | "ddim";
  /** Number of sampling steps (respaced evenly over 0..T-1). */
  steps: number;
  /** DDIM η (ignored by DDPM). */
  eta?: number;
  /** DDPM variance: β̃ ("posterior", default) or β (a model with learned variance uses its own). */
  variance?: "posterior" | "beta";
  /** Clip x̂_0 to [lo, hi] (images: [-1, 1]); none for 2-D data. */
  clip?: [number, number];
  /** Batch size of model calls (default: all at once). */
  batchSize?: number;
}

/** Draw `n` samples; resolves to them flat, [n * prod(dataShape)]. */
export async function sample(
  model: Denoiser,
  schedule: NoiseSchedule,
  n: number,
  rng: Rng,
  opts: SamplerOptions,
): Promise<Float32Array> {
  const dim = model.dataShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n * dim);
  const bs = opts.batchSize ?? n;
  // Chunks consume the stream one after another: samples depend on (rng, n, batchSize).
  for (let start = 0; start < n; start += bs) {
    const m = Math.min(bs, n - start);
    const chunk = await sampleChunk(model, schedule, m, rng, opts);
    out.set(chunk, start * dim);
  }
  return out;
}

async function sampleChunk(
  model: Denoiser,
  schedule: NoiseSchedule,
  n: number,
  rng: Rng,
  opts: SamplerOptions,
): Promise<Float32Array> {
  const shape = [n, ...model.dataShape];
  const size = shape.reduce((a, b) => a * b, 1);
  const ts = respacedTimesteps(schedule.T, opts.steps);
  const eta = opts.eta ?? 0;
  const variance = opts.variance ?? "posterior";
  const learned = model.learnSigma === true;
  const tables = learned && opts.kind === "ddpm" ? respacedVarianceTables(schedule, ts) : null;
  const C = model.dataShape[model.dataShape.length - 1];
  let x = tf.tensor(rng.normalArray(size), shape, "float32");
  for (let i = ts.length - 1; i >= 0; i--) {
    const tau = ts[i];
    const ab = schedule.alphaBar[tau];
    const abPrev = i > 0 ? schedule.alphaBar[ts[i - 1]] : 1;
    const last = i === 0;
    const z = last ? null : rng.normalArray(size);
    const next = tf.tidy(() => {
      const out = model.apply(x, tf.fill([n], tau, "float32") as tf.Tensor1D);
      const [eps, v] = learned ? tf.split(out, [C, C], out.rank - 1) : [out, null];
      let x0 = tf.div(tf.sub(x, tf.mul(Math.sqrt(1 - ab), eps)), Math.sqrt(ab));
      let epsUsed: tf.Tensor = eps;
      if (opts.clip) {
        x0 = tf.clipByValue(x0, opts.clip[0], opts.clip[1]);
        // Re-derive ε from the clipped x̂_0 (as iDDPM's DDIM does).
        epsUsed = tf.div(tf.sub(x, tf.mul(Math.sqrt(ab), x0)), Math.sqrt(1 - ab));
      }
      let y: tf.Tensor;
      let sigma: number;
      if (opts.kind === "ddpm") {
        const c = ddpmCoefficients(ab, abPrev, variance, last);
        y = tf.add(tf.mul(c.cX0, x0), tf.mul(c.cXt, x));
        sigma = c.sigma;
      } else {
        const c = ddimCoefficients(ab, abPrev, eta);
        y = tf.add(tf.mul(c.cX0, x0), tf.mul(c.cEps, epsUsed));
        sigma = last ? 0 : c.sigma;
      }
      if (z && tables && v) {
        // σ = exp(½ (f log β_i + (1 − f) log β̃_i)) per element, f = (v + 1)/2.
        const lb = tables.logBeta[i], lvq = tables.posteriorLogVarClipped[i];
        const halfLogVar = tf.add(tf.mul(tf.add(v, 1), (lb - lvq) / 4), lvq / 2);
        y = tf.add(y, tf.mul(tf.exp(halfLogVar), tf.tensor(z, shape, "float32")));
      } else if (z && sigma > 0) y = tf.add(y, tf.mul(sigma, tf.tensor(z, shape, "float32")));
      return y;
    });
    x.dispose();
    x = next;
  }
  try {
    return await readConcat([x]);
  } finally {
    x.dispose();
  }
}
