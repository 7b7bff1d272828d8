/**
 * `default`: vanilla vs ANT with UW, PCGrad and NashMTL on a 2-D toy (Go et al. 2023, §4: timestep and
 * log-SNR interval clusters as tasks), plus the per-timestep reweighting baselines Min-SNR-γ and P2 (which
 * do not depend on the clusters, so they run once, with the timestep clusters' stratified sampler), 3 seeds.
 * About 10 minutes on two cores with `--jobs 2`.
 *
 * @module
 */
import { defineSuite } from "../src/suite/schema.ts";

/** The default suite. */
export const defaultSuite = defineSuite({
  name: "default",
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
  steps: 2000,
  train: { batchSize: 250, lr: 1e-3 },
  eval: { every: 500, samples: 1000, referenceSamples: 1000, metrics: ["fd", "swd"] },
});
