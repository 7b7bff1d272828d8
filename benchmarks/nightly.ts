/**
 * `nightly`: the regression check run every night and compared with the committed baseline under
 * reports/nightly-baseline/ by `deno task cli compare` (significance over seeds and a relative threshold per
 * metric, see src/report/compare.ts). Small enough for a CPU runner; enough seeds for a test to have power
 * (5 seeds, compared paired by seed). The matched control (vanilla, stratified sampler, timestep clusters)
 * is added automatically; 8 evaluations per run.
 *
 * @module
 */
import { defineSuite } from "../src/suite/schema.ts";

/** The nightly suite. */
export const nightlySuite = defineSuite({
  name: "nightly",
  description:
    "nightly regression check: MLP on moons, vanilla vs UW/PCGrad/NashMTL, timestep clusters k = 4",
  datasets: ["moons"],
  model: "mlp",
  objectives: ["timestep"],
  k: [4],
  methods: ["uw", "pcgrad", "nashmtl"],
  seeds: 5,
  steps: 1000,
  train: { batchSize: 128 },
  eval: { every: 125, samples: 1000, referenceSamples: 1000, metrics: ["fd", "swd"] },
  regression: { alpha: 0.05, thresholds: { "fd-data": 0.1, "swd-data": 0.1 } },
});
