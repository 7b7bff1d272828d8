/**
 * `mnist`: the image suite sized for about an hour on an idle 2-core machine with `--jobs 2`: the default
 * CPU-sized U-Net (16 channels × [1, 2, 2]: 28→14→7, attention at 7x7, 287k parameters) on MNIST 28x28,
 * vanilla vs ANT-UW and ANT-PCGrad on log-SNR clusters (k = 5; the clustering with the best ADM result in
 * Go et al. 2023, Table 1), 2 seeds. Quality: FD and KID in the "mnist-cnn" classifier feature space
 * against 1000 test images. Budget: `deno task perf` measured 6.1 s per step at batch 64 under load
 * (load average ~7) on the shared machine; at batch 30 on an idle machine a vanilla/UW step is estimated at
 * ~1.5 s and a PCGrad step at ~2.5 s, so 6 runs × 500 steps ≈ 110 core-minutes ≈ 1 hour with two workers.
 * The batch is a multiple of k (stratified sampler). Since the matched control (vanilla with the stratified
 * sampler on the log-SNR clusters; 2 more runs) and 8 evaluations per run (the default, for readable
 * steps-to-target; 4x the evaluations) were added, the budget above is low by a factor of about two to
 * three; set `eval.minPoints: 2, every: 250` to trade readable convergence for time.
 *
 * @module
 */
import { defineSuite } from "../src/suite/schema.ts";

/** The MNIST suite. */
export const mnistSuite = defineSuite({
  name: "mnist",
  description: "U-Net on MNIST 28x28: vanilla vs ANT-UW / ANT-PCGrad on log-SNR clusters, k = 5",
  datasets: [{ id: "mnist", options: { size: 28 } }],
  model: { id: "unet", options: { channels: 16, channelMult: [1, 2, 2], numResBlocks: 1, groups: 4 } },
  schedule: "linear",
  T: 1000,
  objectives: ["snr"],
  k: [5],
  methods: ["uw", "pcgrad"],
  seeds: 2,
  steps: 500,
  train: { batchSize: 30, lr: 1e-3, emaDecay: 0.995 },
  eval: {
    samples: 500,
    referenceSamples: 1000,
    sampler: { kind: "ddim", steps: 20, eta: 0 },
    metrics: ["fd", "kid"],
  },
});
