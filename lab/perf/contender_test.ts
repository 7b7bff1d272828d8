import assert from "node:assert/strict";
import { initBackend } from "../../src/runtime/backend.ts";
import { runTraining } from "../../src/train/run.ts";
import { createContender } from "./contender.ts";
import { workload, workloadConfigs } from "./workloads.ts";

await initBackend("wasm");

Deno.test("the perf workload's step is the training step: identical losses to runTraining, step by step", async () => {
  const steps = 5;
  const configs = workloadConfigs(workload("mlp", [2], 20), { methods: ["pcgrad"], k: 5, seed: 4, steps });
  for (const config of configs) {
    const c = await createContender(config);
    let losses: number[];
    try {
      const b = await c.block(steps);
      assert.equal(b.ms.length, steps);
      losses = b.losses;
    } finally {
      c.dispose();
    }
    const small = {
      ...config.eval,
      samples: 8,
      referenceSamples: 8,
      sampler: { kind: "ddim" as const, steps: 2, eta: 0 },
    };
    const result = await runTraining({ ...config, eval: { ...small, at: [steps] } });
    assert.equal(result.status, "ok", result.error);
    assert.equal(result.loss.every, 1);
    assert.deepEqual(losses, result.loss.values, `${config.method.id}: same losses`);
    assert.ok(losses.every(Number.isFinite));
  }
});

Deno.test("contender: a non-finite loss throws with its step", async () => {
  const [config] = workloadConfigs(workload("mlp", [2], 10), { methods: [], k: 5, seed: 0, steps: 5 });
  const c = await createContender({ ...config, train: { ...config.train, lr: 1e12 } });
  try {
    await assert.rejects(() => c.block(5), /loss became (NaN|Infinity|-Infinity) at step \d/);
  } finally {
    c.dispose();
  }
});
