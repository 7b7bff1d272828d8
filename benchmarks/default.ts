/**
 * `default`: vanilla vs ANT with UW, PCGrad and NashMTL on a 2-D toy (Go et al. 2023, §4: timestep
 * clusters as tasks), a few seeds, a few minutes on two cores. Step counts are provisional until training
 * is tuned.
 *
 * @module
 */
import { defineSuite } from "../src/suite/schema.ts";

/** The default suite. */
export const defaultSuite = defineSuite({
  name: "default",
  description:
    "vanilla vs ANT-UW / ANT-PCGrad / ANT-NashMTL, MLP on swissroll, timestep and log-SNR clusters",
  datasets: ["swissroll"],
  model: "mlp",
  schedule: "linear",
  T: 1000,
  objectives: ["timestep", "snr"],
  k: [5],
  methods: ["uw", "pcgrad", "nashmtl"],
  seeds: 3,
  steps: 2000,
  train: { batchSize: 250, lr: 1e-3 },
  eval: { every: 500, samples: 1000, referenceSamples: 1000, metrics: ["fd", "swd"] },
});
