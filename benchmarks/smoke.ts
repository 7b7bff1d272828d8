/**
 * `smoke`: the quickest end-to-end check (must finish in under two minutes on a 2-core machine): MLP on a
 * 2-D toy, vanilla vs UW, PCGrad and NashMTL on the same timestep clusters (k = 5), plus the automatic matched
 * control (vanilla with the stratified sampler on those clusters), 2 seeds: 10 runs, 8 evaluations each
 * (the default).
 *
 * @module
 */
import { defineSuite } from "../src/suite/schema.ts";

/** The smoke suite. */
export const smokeSuite = defineSuite({
  name: "smoke",
  description:
    "end-to-end smoke test: MLP on gaussians8, vanilla vs UW/PCGrad/NashMTL, timestep clusters k = 5",
  datasets: [{ id: "gaussians8", options: { n: 4096 } }],
  model: "mlp",
  objectives: ["timestep"],
  k: [5],
  methods: ["uw", "pcgrad", "nashmtl"],
  seeds: 2,
  steps: 300,
  train: { batchSize: 100 },
  eval: {
    samples: 500,
    referenceSamples: 500,
    sampler: { kind: "ddim", steps: 20 },
    metrics: ["fd", "nll", "mmd"],
  },
});
