import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/runtime/backend.ts";
import { kernelCounts, profileStep, topKernels } from "./kernels.ts";
import { createContender } from "./contender.ts";
import { workload, workloadConfigs } from "./workloads.ts";

await initBackend("wasm");

/** Independent count: every engine.runKernel call (how tfjs ops dispatch a registered kernel) during `f`. */
async function countRunKernel(f: () => Promise<unknown>): Promise<number> {
  const engine = tf.engine() as unknown as { runKernel: (...a: unknown[]) => unknown };
  const original = engine.runKernel;
  let n = 0;
  engine.runKernel = function (this: unknown, ...a: unknown[]) {
    n++;
    return original.apply(this, a);
  };
  try {
    await f();
  } finally {
    engine.runKernel = original;
  }
  return n;
}

Deno.test("kernelCounts: registered kernels only (op scopes left out), per name", () => {
  const list = [{ name: "Add" }, { name: "fusedConv2d__op" }, { name: "Multiply" }, { name: "Add" }];
  assert.deepEqual(kernelCounts(list, "wasm"), { total: 3, byName: [["Add", 2], ["Multiply", 1]] });
  assert.deepEqual(
    topKernels([{ name: "Add", kernelTimeMs: 1.234 }, { name: "Add", kernelTimeMs: 1 }], 8, "wasm"),
    [
      ["Add", 2.23, 2],
    ],
  );
});

Deno.test("profileStep: a hand-counted expression has 2 kernels; a*b+c with a matmul has its FLOPs", async () => {
  const a = tf.ones([4, 3]), b = tf.ones([3, 5]), c = tf.ones([4, 5]);
  const p = await profileStep(async () => {
    const y = tf.tidy(() => tf.add(tf.matMul(a, b), c));
    await y.data();
    y.dispose();
  });
  assert.equal(p.kernels, 2);
  assert.deepEqual(p.kernelsByName.map(([n]) => n).sort(), ["Add", "BatchMatMul"]);
  assert.equal(p.flops, 2 * 4 * 5 * 3);
  tf.dispose([a, b, c]);
});

Deno.test("kernels per production step: the profile's count equals an engine.runKernel count of the next step", async () => {
  const [config] = workloadConfigs(workload("mlp", [2], 10), { methods: [], k: 5, seed: 0, steps: 4 });
  const c = await createContender(config);
  try {
    await c.block(1);
    const profiled = await c.profile();
    const counted = await countRunKernel(() => c.block(1));
    assert.equal(profiled.kernels, counted);
    // The MLP's fused step (composite dense layers, host Adam) runs a few dozen kernels, at least one per
    // layer forward and backward.
    assert.ok(profiled.kernels >= 8 && profiled.kernels <= 60, `${profiled.kernels} kernels`);
    assert.ok(profiled.kernelsByName.some(([n]) => n === "BatchMatMul"), "the weight gradients are matmuls");
  } finally {
    c.dispose();
  }
});
