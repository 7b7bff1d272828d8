/**
 * `paper-dit`: ANT's DiT configuration (the official code, gohyojun15/ANT_diffusion
 * `train_ant_single_gpu.py` with `config/DiT-S.yaml`; Go et al. 2023, the DiT-S ImageNet results of the
 * project page), for GPU machines: DiT-S/2 (depth 12, width 384, 6 heads, patch 2, MLP ratio 4, learned
 * σ), the hybrid loss mse + vb, the cosine schedule (`squaredcos_cap_v2`), T = 1000, AdamW lr 1e-4 without
 * weight decay, batch 50, EMA 0.9999, k = 5 timestep clusters (ANT's `uniform` grouping, the optimum of
 * the timestep cost) with the stratified sampler, ANT-UW / ANT-NashMTL (update every 25 steps) /
 * ANT-PCGrad against vanilla, 800k iterations, and 250-step ancestral DDPM sampling with the learned
 * variance (`sample_ddp.py`). Validated by the tests; never run here (one DiT-S step on a CPU takes
 * seconds, and 800k of them are needed).
 *
 * What differs from ANT's run, and why:
 * - pixels instead of VAE latents: ANT trains on the 32x32x4 latents of 256x256 images
 *   (`sdxl-vae-fp16-fix`), which this harness cannot produce (no pretrained VAE). Here the images of
 *   data/ffhq256/ (FFHQ at 256x256; or point `dir` at an ImageNet folder) are area-resized to 32x32x3,
 *   so the model sees the same 16x16 = 256-token grid and is DiT-S/2 except for 3 instead of 4 input
 *   channels: 32,476,056 parameters (DiT-S/2 with its 1001-class label table: about 33M). For the latent
 *   form, give the suite a latent autoencoder once the `latent:` suite field exists.
 * - unconditional: no class labels, so no label dropout and no classifier-free guidance (ANT samples
 *   ImageNet with cfg 1.5); FFHQ is unconditional data anyway (the paper's ADM/LDM tables).
 * - metrics: FID needs a tfjs Inception-v3 (pool_3) the user converts and supplies at
 *   data/inception/model.json (`eval.inception`); 10k samples against 10k training images per evaluation
 *   (ANT: 50k against the ADM ImageNet reference batch).
 * - fp32 instead of fp16 autocast; the EMA is updated for every method (ANT's PCGrad branch forgets it).
 *
 * @module
 */
import { defineSuite } from "../src/suite/schema.ts";

/** The paper-dit suite. */
export const paperDitSuite = defineSuite({
  name: "paper-dit",
  description:
    "ANT's DiT-S/2 setting: learned sigma, hybrid loss, cosine schedule, DDPM-250, k = 5 UW/Nash/PCGrad (GPU only)",
  datasets: [{
    id: "folder",
    options: {
      dir: "data/ffhq256",
      resolution: 32,
      channels: 3,
      crop: "center",
      limit: 0,
      heldOutFraction: 0,
      featureSpace: "inception",
    },
  }],
  model: {
    id: "dit",
    options: { patch: 2, hidden: 384, depth: 12, heads: 6, mlpRatio: 4, learnSigma: true, freqDim: 256 },
  },
  schedule: "cosine",
  T: 1000,
  objectives: ["timestep"],
  k: [5],
  methods: ["uw", "nashmtl", "pcgrad"],
  seeds: 1,
  steps: 800000,
  train: { batchSize: 50, lr: 1e-4, beta1: 0.9, beta2: 0.999, emaDecay: 0.9999, loss: "hybrid" },
  eval: {
    every: 100000,
    samples: 10000,
    referenceSamples: 10000,
    sampler: { kind: "ddpm", steps: 250 },
    metrics: ["fd", "precision", "recall"],
    inception: "data/inception/model.json",
  },
  backend: "webgpu",
});
