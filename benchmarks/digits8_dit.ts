/**
 * `digits8-dit`: the `digits8` methods (vanilla vs ANT-UW and ANT-PCGrad, k = 5, 2 seeds, with the
 * baseline and the matched control) with ANT's model family instead of the U-Net: a small DiT
 * (src/models/dit.ts) with learned variance, trained with the hybrid loss mse + vb and the cosine schedule
 * as ANT's DiT code, sampled with 25-step DDPM and the learned variance. Clusters: log-SNR only (the
 * clustering of `digits8`'s PCGrad rows and of the paper's best ADM result, Go et al. 2023, Table 1); the
 * timestep clustering is left out for time. Quality as `digits8`: FD and KID in the "digits8-cnn" feature
 * space against the 297 held-out digits. 8 runs of 1000 steps, 8 evaluation points each.
 *
 * Model: DiT with 2x2 patches (16 tokens of 8x8x1), width 64, 4 blocks of 4 heads, MLP ratio 4, learned σ:
 * 328,520 parameters; lr 2e-3 (ANT's DiT: 1e-4 for 800k steps at batch 50), batch 60, EMA 0.995.
 *
 * Sizing, measured on the shared 2-core machine (one process, median of 12 steps at batch 60, load average
 * 7.5 from other engineers' jobs): 468 ms per vanilla step, 385 ms UW, 350 ms PCGrad (its per-cluster
 * gradients come from the one-pass path), 460 ms NashMTL; sampling the 297 evaluation digits with DDPM-25
 * took 10.6 s. A DiT learns this data more slowly than `digits8`'s U-Net (which reaches FD 34 by step 300):
 * one vanilla run measured FD-digits8-cnn 114 / 93 / 64 / 49 at steps 300 / 600 / 900 / 1200 (real-vs-real
 * floor about 21), and a width-32 DiT stalled near 95; hence width 64 and 1000 steps. Estimate: 8 runs ×
 * (1000 steps × ~0.45 s + 8 evaluations × ~12 s) ≈ 70 core-minutes, about 35-40 minutes with `--jobs 2` at
 * that load, and under 30 on an idle machine (not measured: the machine was never idle).
 *
 * @module
 */
import { defineSuite } from "../src/suite/schema.ts";

/** The digits8-dit suite. */
export const digits8DitSuite = defineSuite({
  name: "digits8-dit",
  description:
    "DiT (learned sigma, hybrid loss, cosine, DDPM-25) on 8x8 digits: vanilla vs ANT-UW / ANT-PCGrad on log-SNR clusters, k = 5",
  datasets: ["digits8"],
  model: { id: "dit", options: { patch: 2, hidden: 64, depth: 4, heads: 4, mlpRatio: 4, learnSigma: true } },
  schedule: "cosine",
  T: 1000,
  objectives: ["snr"],
  k: [5],
  methods: ["uw", "pcgrad"],
  seeds: 2,
  steps: 1000,
  train: { batchSize: 60, lr: 2e-3, emaDecay: 0.995, loss: "hybrid" },
  eval: {
    samples: 297,
    referenceSamples: 297,
    sampler: { kind: "ddpm", steps: 25 },
    metrics: ["fd", "kid"],
  },
});
