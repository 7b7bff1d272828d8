/**
 * The training loss of a denoiser, per sample, as the reference's `training_losses` (improved-diffusion,
 * DiT, ANT) computes it for ε-prediction:
 *
 * - a model without learned variance: the ε-MSE of DDPM (Ho et al. 2020, Eq. 14, "L_simple"),
 *   L_t(x_0, ε) = ‖ε - ε_θ(√ᾱ_t x_0 + √(1-ᾱ_t) ε, t)‖², averaged over the data dimensions (a mean, as
 *   the reference's `mean_flat`);
 * - a model with learned variance (`Denoiser.learnSigma`, the reference's `learn_sigma` with
 *   `LossType.MSE`): the hybrid loss mse_b + vb_b (src/diffusion/hybrid_loss.ts).
 *
 * One loss per sample: per-sample losses are what the multi-task methods group into per-cluster losses
 * (ANT: `loss_dict["loss"][chunk].mean()`), so UW, PCGrad and Nash-MTL see mse + vb; the timestep
 * weightings (Min-SNR, P2) weight the mse term only ({@link trainingLossTermsHost}).
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
import { hybridTerms } from "./hybrid_loss.ts";
import { scheduleVarianceTables, type VarianceTables } from "./learned_variance.ts";

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

/** The two terms of a per-sample loss: the ε-MSE and, for a model with learned variance, vb. */
export interface LossTerms {
  /** mean_d (ε̂ − ε)², [B]. */
  mse: tf.Tensor1D;
  /** The L_vlb term in bits per dimension, [B] (null for a model without learned variance). */
  vb: tf.Tensor1D | null;
}

const tablesCache = new WeakMap<NoiseSchedule, VarianceTables>();

/** The variance tables of a training schedule (computed once per schedule object). */
export function tablesOf(schedule: NoiseSchedule): VarianceTables {
  let t = tablesCache.get(schedule);
  if (!t) {
    t = scheduleVarianceTables(schedule);
    tablesCache.set(schedule, t);
  }
  return t;
}

/** The loss terms from the model's output on x_t (see the module doc). */
function termsOf(
  model: Denoiser,
  schedule: NoiseSchedule,
  pred: tf.Tensor,
  x0: tf.Tensor,
  noise: tf.Tensor,
  xt: tf.Tensor,
  t: Int32Array,
): LossTerms {
  if (!model.learnSigma) return { mse: epsMse(pred, noise), vb: null };
  return hybridTerms(tablesOf(schedule), pred, x0, noise, xt, t);
}

/** mse + vb (or mse alone), [B]. */
export function totalLoss(terms: LossTerms): tf.Tensor1D {
  if (!terms.vb) return terms.mse;
  const total = tf.add(terms.mse, terms.vb) as tf.Tensor1D;
  terms.mse.dispose();
  terms.vb.dispose();
  return total;
}

/**
 * Per-sample loss terms, each [B]. `x0` and `noise`: [B, ...dataShape]; `t`: timesteps (length B).
 * Differentiable with respect to the model's variables.
 */
export function trainingLossTerms(
  model: Denoiser,
  schedule: NoiseSchedule,
  x0: tf.Tensor,
  noise: tf.Tensor,
  t: Int32Array,
): LossTerms {
  const xt = qSample(schedule, x0, noise, t);
  try {
    const pred = tf.tidy(() => model.apply(xt, tf.tensor1d(Float32Array.from(t), "float32")));
    try {
      return termsOf(model, schedule, pred, x0, noise, xt, t);
    } finally {
      pred.dispose();
    }
  } finally {
    xt.dispose();
  }
}

/** The per-sample training loss (mse, or mse + vb with learned variance), [B]; differentiable. */
export function trainingLoss(
  model: Denoiser,
  schedule: NoiseSchedule,
  x0: tf.Tensor,
  noise: tf.Tensor,
  t: Int32Array,
): tf.Tensor1D {
  return totalLoss(trainingLossTerms(model, schedule, x0, noise, t));
}

/**
 * {@link trainingLossTerms} for a batch held on the host: x_t is formed on the host ({@link qSampleHost},
 * the same float32 arithmetic as {@link qSample}) and uploaded with the noise, so noising costs no kernel.
 */
export function trainingLossTermsHost(
  model: Denoiser,
  schedule: NoiseSchedule,
  x0: Float32Array,
  noise: Float32Array,
  t: Int32Array,
): LossTerms {
  const shape = [t.length, ...model.dataShape];
  const xtHost = qSampleHost(schedule, x0, noise, t);
  const noiseT = tf.tensor(noise, shape, "float32"), xt = tf.tensor(xtHost, shape, "float32");
  const x0T = model.learnSigma ? tf.tensor(x0, shape, "float32") : null;
  try {
    const pred = tf.tidy(() => model.apply(xt, tf.tensor1d(Float32Array.from(t), "float32")));
    try {
      return termsOf(model, schedule, pred, x0T!, noiseT, xt, t);
    } finally {
      pred.dispose();
    }
  } finally {
    tf.dispose([noiseT, xt, ...(x0T ? [x0T] : [])]);
  }
}

/** {@link trainingLoss} for a batch held on the host (see {@link trainingLossTermsHost}). */
export function trainingLossHost(
  model: Denoiser,
  schedule: NoiseSchedule,
  x0: Float32Array,
  noise: Float32Array,
  t: Int32Array,
): tf.Tensor1D {
  return totalLoss(trainingLossTermsHost(model, schedule, x0, noise, t));
}

/** @deprecated The former name of {@link trainingLoss} (identical for models without learned variance). */
export const epsilonLoss = trainingLoss;
/** @deprecated The former name of {@link trainingLossHost}. */
export const epsilonLossHost = trainingLossHost;
