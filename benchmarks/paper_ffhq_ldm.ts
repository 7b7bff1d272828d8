/**
 * `paper-ffhq-ldm`: the latent-diffusion counterpart of `paper-ffhq`, the paper's LDM setting on FFHQ
 * 256x256 (Go et al. 2023, Table 1, LDM rows: k = 5, T = 1000, timestep / SNR clusters × PCGrad /
 * NashMTL / UW against the vanilla baseline), for GPU machines. A statement of the configuration; a CPU
 * cannot run it.
 *
 * The first stage: the paper's LDM is the official LDM FFHQ model (Rombach et al. 2022,
 * configs/latent-diffusion/ffhq-ldm-vq-4.yaml), whose first stage is the VQ-regularised f = 4 autoencoder
 * (64x64x3 latents). antbench's latent mechanism uses KL-regularised autoencoders (src/latent/), so this
 * suite names `ffhq-kl-f4`, the recipe of LDM's kl-f4 first stage (same f = 4 and 64x64x3 latents, KL
 * weight 1e-6). **Its weights are not in the repository and cannot be trained on this project's 2-core
 * machines** (a 256x256 autoencoder step costs hundreds of GFLOP): before running this suite, train them
 * on a GPU machine with `deno task cli autoencoder train ffhq-kl-f4 --backend webgpu` (FFHQ under
 * data/ffhq256; the weights go to data/autoencoders/ffhq-kl-f4/ with their SHA-256), or copy a trained
 * antbench.autoencoder/1 directory there, or point `latent` at any such directory by its path. Until then
 * the suite validates (the recipe's architecture matches the images' shape) and `deno task bench
 * paper-ffhq-ldm` stops before training with that instruction. Pretrained LDM checkpoints (PyTorch) are
 * a different architecture and format and are not converted.
 *
 * What else it needs, as `paper-ffhq`: the FFHQ images under data/ffhq256/ (CC BY-NC-SA 4.0), a real GPU
 * (`backend: "webgpu"`), and a user-supplied tfjs Inception-v3 (data/inception/model.json) for FID.
 *
 * The denoiser (LDM's FFHQ U-Net, openaimodel.UNetModel): 224 channels, channel_mult 1,2,3,4, two
 * ResBlocks per level, attention at latent resolutions 32, 16, 8 (LDM's "attention_resolutions: 8, 4, 2"
 * are downsampling factors), 32-channel heads (antbench has one head count for every width: 7 heads, i.e.
 * 32 channels at the first level and wider heads below), no scale-shift norm (LDM's default), conv
 * resampling. Schedule: LDM's linear-in-√β schedule from 0.0015 to 0.0195 ("ldm-linear"), T = 1000,
 * ε-prediction, L_simple. Optimiser: lr 2e-6 × batch (LDM's scale_lr; batch 40 here, a multiple of k = 5,
 * against LDM's 42), EMA 0.9999. Sampling: 200 DDIM steps with η = 1 (LDM's FFHQ result in its README).
 * 400k steps: the paper's LDM curves end at 4×10^5 iterations (ant-spec.md §2.2).
 *
 * @module
 */
import { defineSuite } from "../src/suite/schema.ts";

/** The paper-ffhq-ldm suite. */
export const paperFfhqLdmSuite = defineSuite({
  name: "paper-ffhq-ldm",
  description:
    "paper configuration: LDM (KL-f4 first stage, 64x64x3 latents) on FFHQ 256x256, k = 5, T = 1000 (GPU only)",
  datasets: [{
    id: "folder",
    options: {
      dir: "data/ffhq256",
      resolution: 256,
      channels: 3,
      crop: "center",
      limit: 10000,
      heldOutFraction: 0,
      featureSpace: "inception",
    },
  }],
  latent: "ffhq-kl-f4",
  model: {
    id: "unet",
    options: {
      channels: 224,
      channelMult: [1, 2, 3, 4],
      numResBlocks: 2,
      attentionResolutions: [32, 16, 8],
      midAttention: true,
      attentionHeads: 7,
      groups: 32,
      scaleShiftNorm: false,
      resample: "conv",
      timeEmbedMult: 4,
    },
  },
  schedule: "ldm-linear",
  T: 1000,
  objectives: ["timestep", "snr"],
  k: [5],
  methods: ["pcgrad", "nashmtl", "uw"],
  seeds: 1,
  steps: 400000,
  train: { batchSize: 40, lr: 8e-5, emaDecay: 0.9999 },
  eval: {
    every: 50000,
    samples: 10000,
    referenceSamples: 10000,
    sampler: { kind: "ddim", steps: 200, eta: 1 },
    metrics: ["fd", "precision", "recall"],
    inception: "data/inception/model.json",
  },
  backend: "webgpu",
});
