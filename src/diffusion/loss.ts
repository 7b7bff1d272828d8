/**
 * The ε-prediction training loss of DDPM, per sample (Ho et al. 2020, Eq. 14, "L_simple"):
 * L_t(x_0, ε) = ‖ε - ε_θ(√ᾱ_t x_0 + √(1-ᾱ_t) ε, t)‖², here averaged over the data dimensions (a mean,
 * as in the ANT and DiT code's `mean_flat`), giving one loss per sample. Per-sample losses are what the
 * multi-task methods group into per-cluster losses.
 *
 * On host-memory backends (wasm, cpu) the squared error and its mean are one fused kernel (forward and
 * backward, float64 accumulation), and the training step noises the batch on the host
 * ({@link epsilonLossHost}); elsewhere they are tfjs ops.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Denoiser } from "../models/denoiser.ts";
import type { NoiseSchedule } from "./schedule.ts";
import { qSample, qSampleHost } from "./forward.ts";
import { ensureHostKernels, type HostKernel, runHostKernel } from "../runtime/host_kernels.ts";

/** Forward: L[b] = mean_d (pred − noise)², inputs [B, ...]. */
const mseKernel: HostKernel = {
  name: "AntbenchEpsMse",
  outputShapes: (shapes) => [[shapes.pred[0]]],
  compute({ pred, noise }, [out], shapes) {
    const B = shapes.pred[0], D = pred.length / B;
    for (let b = 0; b < B; b++) {
      let s = 0;
      for (let i = b * D; i < (b + 1) * D; i++) {
        const d = pred[i] - noise[i];
        s += d * d;
      }
      out[b] = s / D;
    }
  },
  gradient: {
    inputsToSave: ["pred", "noise"],
    gradFunc: (dy, saved) => {
      const [pred, noise] = saved;
      const dPred = () => runHostKernel("AntbenchEpsMseGrad", { dy: dy as tf.Tensor, pred, noise })[0];
      return { pred: dPred, noise: () => tf.neg(dPred()) };
    },
  },
};

/** Backward: ∂L/∂pred[b, d] = dy[b] · 2 (pred − noise) / D. */
const mseGradKernel: HostKernel = {
  name: "AntbenchEpsMseGrad",
  outputShapes: (shapes) => [shapes.pred],
  compute({ dy, pred, noise }, [out], shapes) {
    const B = shapes.pred[0], D = pred.length / B;
    for (let b = 0; b < B; b++) {
      const f = (2 * dy[b]) / D;
      for (let i = b * D; i < (b + 1) * D; i++) out[i] = f * (pred[i] - noise[i]);
    }
  },
};

/** Per-sample mean squared error between a prediction and the noise, shape [B] (differentiable). */
export function epsMse(pred: tf.Tensor, noise: tf.Tensor): tf.Tensor1D {
  if (!tf.util.arraysEqual(pred.shape, noise.shape)) {
    throw new RangeError(`epsMse: prediction [${pred.shape}] and noise [${noise.shape}] differ in shape`);
  }
  if (ensureHostKernels([mseKernel, mseGradKernel])) {
    return runHostKernel(mseKernel.name, { pred, noise })[0] as tf.Tensor1D;
  }
  return tf.tidy(() =>
    tf.mean(tf.reshape(tf.square(tf.sub(pred, noise)), [pred.shape[0], -1]), 1) as tf.Tensor1D
  );
}

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
    return epsMse(model.apply(xt, tt), noise);
  });
}

/**
 * {@link epsilonLoss} for a batch held on the host: x_t is formed on the host ({@link qSampleHost}, the
 * same float32 arithmetic as {@link qSample}) and uploaded with the noise, so noising costs no kernel.
 */
export function epsilonLossHost(
  model: Denoiser,
  schedule: NoiseSchedule,
  x0: Float32Array,
  noise: Float32Array,
  t: Int32Array,
): tf.Tensor1D {
  const shape = [t.length, ...model.dataShape];
  const xt = qSampleHost(schedule, x0, noise, t);
  return tf.tidy(() => {
    const tt = tf.tensor1d(Float32Array.from(t), "float32");
    return epsMse(model.apply(tf.tensor(xt, shape, "float32"), tt), tf.tensor(noise, shape, "float32"));
  });
}
