/**
 * The ε-prediction training loss of DDPM, per sample (Ho et al. 2020, Eq. 14, "L_simple"):
 * L_t(x_0, ε) = ‖ε - ε_θ(√ᾱ_t x_0 + √(1-ᾱ_t) ε, t)‖², here averaged over the data dimensions (a mean,
 * as in the ANT and DiT code's `mean_flat`), giving one loss per sample. Per-sample losses are what the
 * multi-task methods group into per-cluster losses.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Denoiser } from "../models/denoiser.ts";
import type { NoiseSchedule } from "./schedule.ts";
import { qSample } from "./forward.ts";

/**
 * Per-sample ε-MSE, shape [B]. `x0` and `noise`: [B, ...dataShape]; `t`: timesteps (length B).
 * Differentiable with respect to the model's variables.
 */
export function epsilonLoss(
  model: Denoiser,
  schedule: NoiseSchedule,
  x0: tf.Tensor,
  noise: tf.Tensor,
  t: Int32Array,
): tf.Tensor1D {
  return tf.tidy(() => {
    const xt = qSample(schedule, x0, noise, t);
    const tt = tf.tensor1d(Float32Array.from(t), "float32");
    const pred = model.apply(xt, tt);
    const err = tf.square(tf.sub(pred, noise));
    const flat = tf.reshape(err, [t.length, -1]);
    return tf.mean(flat, 1) as tf.Tensor1D;
  });
}
