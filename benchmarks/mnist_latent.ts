/**
 * `mnist-latent`: the `mnist` suite's comparison in latent space (latent diffusion, Rombach et al. 2022),
 * so pixel-space and latent-space results can be set side by side as in ANT's Table 1 (ADM and LDM rows):
 * vanilla vs ANT-UW and ANT-PCGrad on log-SNR clusters (k = 5), 2 seeds, plus the automatic matched control.
 * The denoiser trains on the scaled 7x7x4 latents of the committed `mnist-kl-f4` autoencoder (28x28x1 →
 * 7x7x4; its reconstruction quality is in the README); every sample is decoded before the metrics, which
 * stay FD and KID in the "mnist-cnn" feature space against the same 1000 test images as `mnist`, with the
 * same real-vs-real floors.
 *
 * Model: a one-level U-Net for the odd 7x7 latents (no downsampling: 7 cannot be halved), 48 channels, two
 * ResBlocks, self-attention in the middle block: 558,052 parameters.
 * Budget, from an interleaved A/B measurement on the shared 2-core machine under heavy load (load average
 * 17-19, so absolute times mean little): one step at batch 30 took 0.40× (vanilla) and 0.43× (PCGrad) of
 * the `mnist` suite's pixel U-Net step (287k parameters on 28x28), so 1000 latent steps cost about 0.8× the
 * `mnist` suite's 500 pixel steps; sampling is cheaper in latent space and the decoder adds one pass per
 * sample. Expect about the `mnist` suite's time (roughly an hour and a half to two on an idle 2-core machine
 * with `--jobs 2`, 8 runs × 8 evaluations). The batch is a multiple of k (stratified sampler).
 *
 * @module
 */
import { defineSuite } from "../src/suite/schema.ts";

/** The MNIST latent-diffusion suite. */
export const mnistLatentSuite = defineSuite({
  name: "mnist-latent",
  description:
    "latent U-Net on MNIST (mnist-kl-f4 latents, 7x7x4): vanilla vs ANT-UW / ANT-PCGrad on log-SNR clusters, k = 5",
  datasets: [{ id: "mnist", options: { size: 28 } }],
  latent: "mnist-kl-f4",
  model: {
    id: "unet",
    options: { channels: 48, channelMult: [1], numResBlocks: 2, groups: 8, midAttention: true },
  },
  schedule: "linear",
  T: 1000,
  objectives: ["snr"],
  k: [5],
  methods: ["uw", "pcgrad"],
  seeds: 2,
  steps: 1000,
  train: { batchSize: 30, lr: 1e-3, emaDecay: 0.995 },
  eval: {
    samples: 500,
    referenceSamples: 1000,
    sampler: { kind: "ddim", steps: 20, eta: 0 },
    metrics: ["fd", "kid"],
  },
});
