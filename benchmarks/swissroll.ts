/**
 * `swissroll` (the default suite before the 10-minute one): vanilla vs ANT with UW, PCGrad and NashMTL on a 2-D toy (Go et al. 2023, §4: timestep and
 * log-SNR interval clusters as tasks), plus the per-timestep reweighting baselines Min-SNR-γ and P2 (which
 * do not depend on the clusters, so they run once, with the timestep clusters' stratified sampler), 3 seeds.
 * 6000 steps: the MLP needs about that many to resolve the spiral (at 2000 steps samples are still a
 * blurred disk). Matched controls (vanilla with the stratified sampler on the timestep and on the log-SNR
 * clusters) are added automatically: 33 runs (27 before the controls), each evaluated 8 times (every 750
 * steps) so that steps-to-target can be interpolated.
 *
 * @module
 */
import { defineSuite } from "../src/suite/schema.ts";

/** The swiss-roll suite. */
export const swissrollSuite = defineSuite({
  name: "swissroll",
  description:
    "vanilla vs ANT-UW / ANT-PCGrad / ANT-NashMTL (timestep and log-SNR clusters) and Min-SNR / P2, MLP on swissroll",
  datasets: ["swissroll"],
  model: "mlp",
  schedule: "linear",
  T: 1000,
  objectives: ["timestep", "snr"],
  k: [5],
  methods: ["uw", "pcgrad", "nashmtl", "minsnr", "p2"],
  exclude: [{ objective: "snr", method: "minsnr" }, { objective: "snr", method: "p2" }],
  seeds: 3,
  steps: 6000,
  train: { batchSize: 250, lr: 1e-3 },
  eval: { every: 750, samples: 1000, referenceSamples: 1000, metrics: ["fd", "swd", "mmd"] },
});
