import assert from "node:assert/strict";
import { workload, workloadConfigs } from "./workloads.ts";
import { resolveSuite } from "../../src/suite/validate.ts";
import { expandSuite } from "../../src/suite/expand.ts";
import { defaultRegistries } from "../../src/suite/registries.ts";
import { SUITE_DEFAULTS } from "../../src/suite/schema.ts";

Deno.test("workloadConfigs: the vanilla baseline, then each method on k timestep clusters, with suite defaults", () => {
  const configs = workloadConfigs(workload("mlp", [2], 250), {
    methods: ["pcgrad", "uw"],
    k: 5,
    seed: 3,
    steps: 40,
  });
  assert.deepEqual(configs.map((c) => c.method.id), ["vanilla", "pcgrad", "uw"]);
  assert.deepEqual(configs[0].clustering, { objective: "none", k: 1, sampler: "uniform" });
  assert.deepEqual(configs[1].clustering, { objective: "timestep", k: 5, sampler: "stratified" });
  assert.equal(configs[1].dataset.id, "swissroll");
  assert.deepEqual(configs[1].train, { ...SUITE_DEFAULTS.train, batchSize: 250, steps: 40 });
  assert.deepEqual(configs[1].diffusion, { schedule: SUITE_DEFAULTS.schedule, T: SUITE_DEFAULTS.T });
  assert.equal(configs[2].method.options.lr, 0.025, "the registered method's resolved defaults");
  assert.ok(configs.every((c) => c.seed === 3));
  // Exactly what a suite file with the same fields resolves to.
  const suite = resolveSuite({
    name: "perf",
    datasets: ["swissroll"],
    model: "mlp",
    objectives: ["timestep"],
    k: [5],
    methods: ["pcgrad", "uw"],
    seeds: [3],
    steps: 40,
    train: { batchSize: 250 },
    eval: { at: [40], minPoints: 1 },
    controls: false,
  }, defaultRegistries());
  assert.deepEqual(configs, expandSuite(suite, defaultRegistries()));
});

Deno.test("workloadConfigs: no methods gives the baseline alone; unknown shapes and methods are errors", () => {
  const only = workloadConfigs(workload("unet", [8, 8, 1], 60), { methods: [], k: 5, seed: 0, steps: 1 });
  assert.equal(only.length, 1);
  assert.equal(only[0].dataset.id, "digits8");
  assert.equal(only[0].method.id, "vanilla");
  assert.throws(
    () => workload("unet", [16, 16, 3], 8),
    /no dataset for data shape 16x16x3; allowed: 2, 8x8x1/,
  );
  assert.throws(
    () => workloadConfigs(workload("mlp", [2], 10), { methods: ["adam"], k: 5, seed: 0, steps: 1 }),
    /methods\[0\].*adam/,
  );
});
