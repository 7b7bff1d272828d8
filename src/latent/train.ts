/**
 * Deterministic training of the latent-diffusion autoencoders (`deno task cli autoencoder train <id>`).
 *
 * Objective (per batch of B images, LDM's LPIPSWithDiscriminator reduced to its pixel and KL terms):
 *
 *   L = (1/B) Σ_b Σ_pixels |x − D(z)|  +  w_KL · (1/B) Σ_b KL(q(z|x_b) ‖ N(0, I)),
 *   z = μ(x) + exp(½ log σ²(x)) ⊙ ε,  ε ~ N(0, I)  (the reparameterised posterior sample)
 *
 * with sums per image as in LDM (`torch.sum(nll_loss) / nll_loss.shape[0]`, `kl_loss` likewise) and
 * w_KL = 1e-6 (LDM's kl-f4/kl-f8 configs, `kl_weight: 1.0e-06`). What is left out of LDM's loss, and why:
 * the LPIPS perceptual term (needs VGG-16 weights, which cannot be downloaded here, and a learned perceptual
 * space is exactly what the metrics must stay independent of), the patch-GAN term (LDM enables it only
 * after `disc_start: 50001` steps, beyond these recipes' lengths, so over the same span LDM trains without it
 * too), and the learned output log-variance s of LDM's `nll = rec / exp(s) + s` (with a single
 * reconstruction term it only rescales the reconstruction against the KL term). Optimiser: Adam with LDM's
 * autoencoder betas (0.5, 0.9) and a constant learning rate (LDM's is constant too), ε = 1e-8, no EMA.
 *
 * Random streams (src/runtime/rng.ts, keyed by the recipe seed): "autoencoder-init" (weights),
 * "autoencoder-order"/epoch (a permutation of the training split per epoch), "autoencoder-noise"/step (ε).
 * Same backend + same recipe → the same weights, bit for bit (tfjs wasm and cpu are deterministic).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { rngFor } from "../runtime/rng.ts";
import { readConcat, readFlat } from "../runtime/read.ts";
import { createOptimizer } from "../train/optimizer.ts";
import {
  type AutoencoderArch,
  autoencoderInitialWeights,
  autoencoderVariableSpecs,
  decodeLatents,
  encodePosterior,
  klToStandardNormal,
  latentShape,
} from "./autoencoder.ts";

/** Training recipe of one autoencoder. */
export interface AutoencoderRecipe {
  /** Autoencoder id (names fixtures/autoencoders/<id>/). */
  id: string;
  /** The dataset it is trained on (its training split) and for. */
  dataset: { id: string; options: Record<string, unknown> };
  /** The architecture (./autoencoder.ts). */
  arch: AutoencoderArch;
  /** Seed of the init, data-order and posterior-noise streams. */
  seed: number;
  /** Optimisation steps. */
  steps: number;
  /** Images per step. */
  batchSize: number;
  /** Constant Adam learning rate. */
  lr: number;
  /** Adam β1 (LDM: 0.5). */
  beta1: number;
  /** Adam β2 (LDM: 0.9). */
  beta2: number;
  /** Weight of the KL term (LDM: 1e-6). */
  klWeight: number;
  /**
   * Where the weights live, relative to the repository root (default fixtures/autoencoders/<id>/, committed).
   * A recipe that cannot be trained here names a directory under data/ that its user fills by training it
   * (on a GPU) or by copying a trained antbench.autoencoder/1 directory there.
   */
  dir?: string;
  /** Why the recipe exists and what it needs, for `cli autoencoder list`. */
  note?: string;
}

/** The architecture of the committed 28x28 autoencoders: 28x28x1 → 7x7x4 (f = 4). */
const ARCH_28: AutoencoderArch = {
  input: [28, 28, 1],
  channels: 16,
  channelMult: [1, 2, 2],
  numResBlocks: 1,
  zChannels: 4,
  groups: 8,
};

/** The recipes, by autoencoder id. */
export const AUTOENCODER_RECIPES: ReadonlyMap<string, AutoencoderRecipe> = new Map<string, AutoencoderRecipe>(
  [
    ["mnist-kl-f4", {
      id: "mnist-kl-f4",
      dataset: { id: "mnist", options: { size: 28 } },
      arch: ARCH_28,
      seed: 0,
      steps: 2000,
      batchSize: 32,
      lr: 1e-3,
      beta1: 0.5,
      beta2: 0.9,
      klWeight: 1e-6,
    }],
    // LDM's kl-f4 first stage (models/first_stage_models/kl-f4/config.yaml: ch 128, ch_mult 1,2,4,
    // num_res_blocks 2, z_channels 3, kl_weight 1e-6, Adam lr 4.5e-6 × batch, betas 0.5, 0.9) for 256x256
    // faces: 64x64x3 latents, the shape of the paper's LDM on FFHQ (benchmarks/paper_ffhq_ldm.ts).
    ["ffhq-kl-f4", {
      id: "ffhq-kl-f4",
      dataset: {
        id: "folder",
        options: {
          dir: "data/ffhq256",
          resolution: 256,
          channels: 3,
          crop: "center",
          limit: 10000,
          heldOutFraction: 0.05,
          featureSpace: "inception",
        },
      },
      arch: {
        input: [256, 256, 3],
        channels: 128,
        channelMult: [1, 2, 4],
        numResBlocks: 2,
        zChannels: 3,
        groups: 32,
      },
      seed: 0,
      steps: 200000,
      batchSize: 12,
      lr: 5.4e-5,
      beta1: 0.5,
      beta2: 0.9,
      klWeight: 1e-6,
      dir: "data/autoencoders/ffhq-kl-f4",
      note:
        "not trainable on a CPU: train it on a GPU machine (`deno task cli autoencoder train ffhq-kl-f4 " +
        "--backend webgpu`, FFHQ 256x256 images under data/ffhq256) or copy a trained antbench.autoencoder/1 " +
        "directory to data/autoencoders/ffhq-kl-f4",
    }],
  ],
);

/** Progress of a training. */
export interface AeTrainProgress {
  /** Steps done. */
  step: number;
  /** Steps in all. */
  steps: number;
  /** Mean total loss, reconstruction (L1 per image) and KL (per image) over the steps since the last report. */
  loss: number;
  /** Reconstruction term (L1 summed per image). */
  rec: number;
  /** KL term (summed per image). */
  kl: number;
}

/** One batch's loss terms (differentiable). */
export function autoencoderLoss(
  arch: AutoencoderArch,
  vars: readonly tf.Tensor[],
  x: tf.Tensor4D,
  eps: tf.Tensor4D,
  klWeight: number,
): { loss: tf.Scalar; rec: tf.Scalar; kl: tf.Scalar } {
  return tf.tidy(() => {
    const B = x.shape[0];
    const { mean, logvar } = encodePosterior(arch, vars, x);
    const z = tf.add(mean, tf.mul(tf.exp(tf.mul(0.5, logvar)), eps)) as tf.Tensor4D;
    const xr = decodeLatents(arch, vars, z);
    const rec = tf.div(tf.sum(tf.abs(tf.sub(x, xr))), B) as tf.Scalar;
    const kl = tf.div(tf.sum(klToStandardNormal(mean, logvar)), B) as tf.Scalar;
    return { loss: tf.add(rec, tf.mul(klWeight, kl)) as tf.Scalar, rec, kl };
  });
}

/**
 * Train the autoencoder of `recipe` on n images (NHWC, [-1, 1], matching `recipe.arch.input`); resolves to
 * the weights in storage order. `reportEvery` steps the mean losses are read and passed to `onProgress`.
 */
export async function trainAutoencoder(
  recipe: AutoencoderRecipe,
  images: Float32Array,
  n: number,
  onProgress?: (p: AeTrainProgress) => void,
  reportEvery = 100,
): Promise<Float32Array[]> {
  const { arch, batchSize: B } = recipe;
  const per = arch.input[0] * arch.input[1] * arch.input[2];
  if (images.length !== n * per) {
    throw new RangeError(`trainAutoencoder: ${images.length} values for ${n} images`);
  }
  if (n < B) throw new RangeError(`trainAutoencoder: ${n} images, fewer than a batch of ${B}`);
  const specs = autoencoderVariableSpecs(arch);
  const vars = autoencoderInitialWeights(arch, recipe.seed).map((v, i) =>
    tf.variable(tf.tensor(v, specs[i].shape, "float32"), true)
  );
  const opt = createOptimizer(vars, { lr: recipe.lr, beta1: recipe.beta1, beta2: recipe.beta2 }, 0);
  const zShape = latentShape(arch);
  const zSize = zShape[0] * zShape[1] * zShape[2];
  const stepsPerEpoch = Math.floor(n / B);
  const xb = new Float32Array(B * per);
  let order: Int32Array | null = null;
  let pending: tf.Tensor[] = [];
  try {
    for (let step = 0; step < recipe.steps; step++) {
      const epoch = Math.floor(step / stepsPerEpoch);
      const s = step - epoch * stepsPerEpoch;
      if (s === 0 || order === null) order = rngFor(recipe.seed, "autoencoder-order", epoch).permutation(n);
      for (let b = 0; b < B; b++) {
        const idx = order[s * B + b];
        xb.set(images.subarray(idx * per, (idx + 1) * per), b * per);
      }
      const eps = rngFor(recipe.seed, "autoencoder-noise", step).normalArray(B * zSize);
      let rec: tf.Scalar | null = null, kl: tf.Scalar | null = null;
      const { value, grads } = tf.tidy(() => {
        const x = tf.tensor4d(xb, [B, ...arch.input]);
        const e = tf.tensor4d(eps, [B, ...zShape]);
        return tf.variableGrads(() => {
          const l = autoencoderLoss(arch, vars, x, e, recipe.klWeight);
          rec = tf.keep(l.rec);
          kl = tf.keep(l.kl);
          return l.loss;
        }, vars);
      });
      const terms = tf.stack([value, rec!, kl!]);
      tf.dispose([rec!, kl!]);
      value.dispose();
      try {
        await opt.apply(vars.map((v) => grads[v.name]), step);
      } finally {
        for (const g of Object.values(grads)) g.dispose();
      }
      if (!onProgress) {
        terms.dispose();
        continue;
      }
      pending.push(terms);
      if ((step + 1) % reportEvery === 0 || step === recipe.steps - 1) {
        const flat = await readConcat(pending);
        tf.dispose(pending);
        pending = [];
        const m = flat.length / 3;
        let l = 0, r = 0, k = 0;
        for (let i = 0; i < m; i++) {
          l += flat[3 * i];
          r += flat[3 * i + 1];
          k += flat[3 * i + 2];
        }
        if (!Number.isFinite(l)) throw new Error(`autoencoder training: non-finite loss by step ${step}`);
        onProgress({ step: step + 1, steps: recipe.steps, loss: l / m, rec: r / m, kl: k / m });
      }
    }
    return await readFlat(vars);
  } finally {
    tf.dispose(pending);
    opt.dispose();
    vars.forEach((v) => v.dispose());
  }
}
