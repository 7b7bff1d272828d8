/**
 * `mnist`: the image suite that fits in about an hour on a 2-core machine (`--jobs 2`): the default
 * CPU-sized U-Net (16 channels × [1, 2, 2]: 28→14→7, attention at 7x7, 287k parameters) on MNIST 28x28,
 * vanilla vs ANT-UW and ANT-PCGrad on log-SNR clusters (k = 5; the clustering with the best ADM result in
 * Go et al. 2023, Table 1), 2 seeds. Quality: FD and KID in the "mnist-cnn" classifier feature space
 * against 1000 test images.
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
  train: { batchSize: 32, lr: 1e-3, emaDecay: 0.995 },
  eval: {
    every: 250,
    samples: 500,
    referenceSamples: 1000,
    sampler: { kind: "ddim", steps: 20, eta: 0 },
    metrics: ["fd", "kid"],
  },
});
