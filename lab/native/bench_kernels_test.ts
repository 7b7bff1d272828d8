import assert from "node:assert/strict";
import { initBackend, nativeLoadFailure } from "../../src/runtime/backend.ts";
import { createContender } from "../perf/contender.ts";
import { workload } from "../perf/workloads.ts";
import { callFlops, stepCalls } from "./bench_kernels.ts";
import { workloadRun } from "./step_workload.ts";

async function recorded(model: string, dataShape: number[], batch: number) {
  const c = await createContender(workloadRun(workload(model, dataShape, batch), "vanilla", { steps: 4 }));
  try {
    await c.block(1);
    const calls = await stepCalls(c);
    const profile = await c.profile();
    return { calls, profile, flops: calls.reduce((s, x) => s + x.count * callFlops(x), 0) };
  } finally {
    c.dispose();
  }
}

for (const backend of ["wasm", "native"] as const) {
  Deno.test(`perf:kernels on ${backend}: the recorded GEMM/conv calls of a production step carry the step's FLOPs`, async () => {
    if (backend === "native" && nativeLoadFailure() !== null) {
      console.warn(`bench_kernels_test: native case SKIPPED (library absent: ${nativeLoadFailure()})`);
      return;
    }
    const info = await initBackend(backend);
    try {
      assert.equal(info.name, backend);
      // MLP, batch 10: the hand count of lab/perf/step_bench_test.ts (2B·107776), here from the calls made
      // inside the composite dense layers, which tf.profile does not list.
      const mlp = await recorded("mlp", [2], 10);
      assert.equal(mlp.flops, 2 * 10 * 107776);
      assert.equal(mlp.flops, mlp.profile.flops);
      assert.ok(
        mlp.calls.every((c) => c.name === "BatchMatMul" || c.name === "_FusedMatMul"),
        "MLP: matmuls only",
      );
      // U-Net 8×8, batch 5: the calls' FLOPs equal the profile's count of the composite layers.
      const unet = await recorded("unet", [8, 8, 1], 5);
      assert.equal(unet.flops, unet.profile.flops);
      const names = new Set(unet.calls.map((c) => c.name));
      for (const k of ["Conv2DBackpropFilter", "Conv2DBackpropInput"]) {
        assert.ok(names.has(k), `${k} recorded`);
      }
      assert.ok(names.has("Conv2D") || names.has("FusedConv2D"), "forward convolutions recorded");
      assert.ok(unet.calls.every((c) => c.count >= 1 && c.outputShape.length >= 2));
    } finally {
      await initBackend("wasm");
    }
  });
}
