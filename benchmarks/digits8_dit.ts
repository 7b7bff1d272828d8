/**
 * `digits8-dit`: the `digits8` comparison (vanilla vs ANT-UW on timestep and log-SNR clusters and
 * ANT-PCGrad on log-SNR clusters, k = 5, with the baseline and the matched controls, 2 seeds) with ANT's
 * model family instead of the U-Net: a small DiT (src/models/dit.ts) with learned variance, trained with
 * the hybrid loss mse + vb and the cosine schedule as ANT's DiT code, sampled with DDPM and the learned
 * variance. Quality as `digits8`: FD and KID in the "digits8-cnn" feature space against the 297 held-out
 * digits.
 *
 * Model: DiT with 2x2 patches (16 tokens of 8x8x1), width 64, 4 blocks of 4 heads, MLP ratio 4: 328,520
 * parameters. lr 1e-3 (ANT's DiT uses 1e-4 for 800k steps at batch 50; these runs have SIZING_STEPS).
 *
 * SIZING
 *
 * @module
 */
import { defineSuite } from "../src/suite/schema.ts";

/** The digits8-dit suite. */
export const digits8DitSuite = defineSuite({
  name: "digits8-dit",
  description:
    "DiT (learned sigma, hybrid loss, cosine) on 8x8 digits: vanilla vs ANT-UW (timestep, log-SNR), ANT-PCGrad (log-SNR)",
  datasets: ["digits8"],
  model: { id: "dit", options: { patch: 2, hidden: 64, depth: 4, heads: 4, mlpRatio: 4, learnSigma: true } },
  schedule: "cosine",
  T: 1000,
  objectives: ["timestep", "snr"],
  k: [5],
  methods: ["uw", "pcgrad"],
  exclude: [{ objective: "timestep", method: "pcgrad" }],
  seeds: 2,
  steps: 400,
  train: { batchSize: 60, lr: 1e-3, emaDecay: 0.995, loss: "hybrid" },
  eval: {
    samples: 297,
    referenceSamples: 297,
    sampler: { kind: "ddpm", steps: 25 },
    metrics: ["fd", "kid"],
  },
});
