/**
 * `paper-ffhq`: the paper's ADM setting on FFHQ 256x256 (Go et al. 2023, Table 1: ADM, k = 5, T = 1000,
 * timestep / SNR clusters × PCGrad / NashMTL / UW, vanilla baseline), for GPU machines. It is a statement
 * of the configuration, not something a CPU can run: one ADM step at 256x256 costs hundreds of GFLOP.
 * Validated by the tests; never run here.
 *
 * What it needs:
 * - the images: FFHQ at 256x256 (or larger; they are centre-cropped and area-resized) as PNG/JPEG under
 *   data/ffhq256/ (or change `dir`); FFHQ is CC BY-NC-SA 4.0 (NVIDIA), images under their own licenses.
 * - memory: the `folder` dataset keeps all images in memory as float32 (786 kB per image at 256x256x3),
 *   so `limit: 10000` (7.9 GB) is set; the paper trains on all 70k images, which needs a streaming loader
 *   this harness does not have.
 * - a real GPU via `--backend webgpu` (or auto);
 * - a tfjs Inception-v3 (pool_3) the user converts and supplies at data/inception/model.json (`eval.inception`):
 *   the weights cannot be downloaded here. With it the metric is real FID. Pixel-space FD ("data") is not an
 *   option at 196,608 dimensions.
 *
 * Model: the "lightweight ADM" of P2 weighting (Choi et al. 2022; jychoi118/P2-weighting README
 * `image_train.py` flags), which ANT's ADM results probably use: 128 channels, channel_mult 1,1,2,2,4,4, one
 * ResBlock per level, attention at 16x16 with 64-channel heads (8 heads at 512 channels), scale-shift norm,
 * no dropout, `learn_sigma True` (6 output channels: ε̂ and the variance interpolation v), linear schedule,
 * T = 1000, lr 2e-5, batch 8 (here 10: the stratified sampler needs a multiple of k = 5).
 * Loss: the hybrid loss mse + vb (`train.loss: "hybrid"`, src/diffusion/hybrid_loss.ts). P2 trains with
 * `rescale_learned_sigmas True` (RESCALED_MSE: vb · T/1000), ANT/DiT with plain MSE (vb · 1); at T = 1000 the
 * two are the same loss. Sampling: 250-step ancestral DDPM with the learned variance of the respaced process
 * (P2's `image_sample.py --timestep_respacing 250 --use_ddim False`; ANT's DiT sampler is the same), x̂_0
 * clipped to [-1, 1] as P2's default `clip_denoised`.
 * Differences: antbench resamples with avg-pool/nearest + conv instead of ResBlock up/down
 * (`resblock_updown True`), uses 32 GroupNorm groups as ADM but no fp16, and has no dropout option:
 * 80,649,094 parameters (P2's model: about 93M). The paper's ADM runs are about 1.0M iterations; steps here
 * are a placeholder to scale up.
 *
 * @module
 */
import { defineSuite } from "../src/suite/schema.ts";

/** The paper-ffhq suite. */
export const paperFfhqSuite = defineSuite({
  name: "paper-ffhq",
  description:
    "paper configuration: ADM-like learned-sigma U-Net, hybrid loss, DDPM-250, FFHQ 256x256, k = 5 (GPU only)",
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
  model: {
    id: "unet",
    options: {
      channels: 128,
      channelMult: [1, 1, 2, 2, 4, 4],
      numResBlocks: 1,
      attentionResolutions: [16],
      midAttention: true,
      attentionHeads: 8,
      groups: 32,
      scaleShiftNorm: true,
      resample: "conv",
      timeEmbedMult: 4,
      learnSigma: true,
    },
  },
  schedule: "linear",
  T: 1000,
  objectives: ["timestep", "snr"],
  k: [5],
  methods: ["pcgrad", "nashmtl", "uw"],
  seeds: 1,
  steps: 100000,
  train: { batchSize: 10, lr: 2e-5, emaDecay: 0.9999, loss: "hybrid" },
  eval: {
    every: 12500,
    samples: 10000,
    referenceSamples: 10000,
    sampler: { kind: "ddpm", steps: 250 },
    metrics: ["fd", "precision", "recall"],
    inception: "data/inception/model.json",
  },
  backend: "webgpu",
});
