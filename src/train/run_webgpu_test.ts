/**
 * runTraining end to end on the webgpu backend (on CPU machines: Mesa's lavapipe through Vulkan, a software
 * fallback adapter, which `auto` never picks, so the backend is requested explicitly), compared with the same
 * run on wasm.
 *
 * Every host read on this path must be an `await data()`: tfjs-webgpu cannot read GPU data synchronously
 * under Deno, and our backend factory turns any `dataSync`/`arraySync` of GPU data into an error.
 *
 * Tolerance. Both backends compute in float32 but with different kernels (XNNPACK vs WGSL shaders: other
 * summation orders, other exp/sin rounding), so values differ by rounding only. Measured over 8–12 steps of
 * vanilla, PCGrad, Nash-MTL and UW on this config: losses within 2.4e-7 relative (about 2 float32 ulps,
 * ε = 1.19e-7) and FD/SWD within 3e-7 relative. Adam's early steps are nearly sign steps, so these
 * rounding differences do not grow over a few steps. We allow 1e-5 relative (about 80 ulps, 40× the
 * measured spread) on the losses and 1e-4 on the metrics (the Fréchet distance goes through a matrix
 * square root). A real defect is far larger: the step-1 loss of PCGrad differs from vanilla's by 6e-5 and
 * Min-SNR's by 1.5e-3 relative on this config.
 *
 * Cost: the first run on a machine compiles the WGSL shaders with Mesa (lavapipe: about 15 s for this file;
 * the GL path through llvmpipe took minutes); Mesa keeps them in ~/.cache/mesa_shader_cache, after which
 * this file takes a few seconds.
 */
import assert from "node:assert/strict";
import { initBackend } from "../runtime/backend.ts";
import { runTraining } from "./run.ts";
import { loadCheckpoint } from "../models/checkpoint.ts";
import type { RunConfig, RunResult } from "./types.ts";
import { readConcat } from "../runtime/read.ts";
import { probeAdapter, wgpuBackendsInEffect } from "../runtime/webgpu_backend.ts";

const gpu = (navigator as { gpu?: unknown }).gpu;
// probeAdapter applies antbench's wgpu backend choice (Vulkan only on Linux) before the first request.
const adapter = gpu ? await probeAdapter() : undefined;
if (adapter === null) {
  console.warn("run_webgpu_test: SKIPPED: navigator.gpu.requestAdapter() returned null (no WebGPU adapter)");
}

Deno.test("webgpu: an adapter is available (scripts/setup.sh installs Mesa's lavapipe where there is no GPU)", () => {
  let allowMissing = false;
  try {
    allowMissing = Deno.env.get("ANTBENCH_ALLOW_NO_WEBGPU") === "1";
  } catch {
    allowMissing = false;
  }
  if (allowMissing) return;
  assert.ok(gpu, "navigator.gpu is undefined: run deno test with --unstable-webgpu");
  assert.ok(
    adapter,
    `no WebGPU adapter (wgpu backends: ${wgpuBackendsInEffect()}); install a Vulkan driver ` +
      "(sudo apt-get install mesa-vulkan-drivers, done by scripts/setup.sh) or set ANTBENCH_ALLOW_NO_WEBGPU=1 " +
      "to skip the WebGPU tests on purpose",
  );
});

function config(method: string, options: Record<string, unknown>, backend: "wasm" | "webgpu"): RunConfig {
  return {
    suite: "test",
    dataset: { id: "gaussians8", options: { n: 256 } },
    model: { id: "mlp", options: { hidden: 32, depth: 2 } },
    diffusion: { schedule: "linear", T: 100 },
    clustering: { objective: "timestep", k: 4, sampler: "stratified" },
    method: { id: method, options },
    seed: 5,
    train: { steps: 8, batchSize: 64, lr: 2e-3, beta1: 0.9, beta2: 0.999, emaDecay: 0.99 },
    eval: {
      at: [4, 8],
      samples: 128,
      referenceSamples: 128,
      sampler: { kind: "ddim", steps: 10, eta: 0 },
      metrics: ["fd", "swd"],
      useEma: true,
    },
    backend,
  };
}

function assertClose(got: number, want: number, rel: number, what: string): void {
  assert.ok(
    Number.isFinite(got) && Math.abs(got - want) <= rel * Math.abs(want),
    `${what}: webgpu ${got} vs wasm ${want} (relative tolerance ${rel})`,
  );
}

function assertRunsAgree(gpuRun: RunResult, wasmRun: RunResult): void {
  assert.equal(wasmRun.status, "ok", wasmRun.error);
  assert.equal(gpuRun.status, "ok", gpuRun.error);
  assert.equal(gpuRun.environment.tfjsBackend, "webgpu");
  assert.equal(gpuRun.loss.values.length, 8);
  gpuRun.loss.values.forEach((v, i) => assertClose(v, wasmRun.loss.values[i], 1e-5, `loss ${i}`));
  assert.deepEqual(gpuRun.curve.map((p) => p.step), [4, 8]);
  gpuRun.curve.forEach((p, i) => {
    assertClose(p.trainLoss, wasmRun.curve[i].trainLoss, 1e-5, `train loss before eval ${p.step}`);
    for (const [m, v] of Object.entries(p.metrics)) {
      assertClose(v, wasmRun.curve[i].metrics[m], 1e-4, `${m} at step ${p.step}`);
    }
  });
}

Deno.test({
  name: "webgpu: runTraining (MLP, Nash-MTL: device Gram + clipping, EMA sampling, checkpoints) matches wasm",
  ignore: adapter === null,
  async fn() {
    assert.ok(gpu, "navigator.gpu is undefined: run deno test with --unstable-webgpu");
    const dirs = { wasm: await Deno.makeTempDir(), webgpu: await Deno.makeTempDir() };
    const runs: Partial<Record<"wasm" | "webgpu", RunResult>> = {};
    try {
      for (const backend of ["wasm", "webgpu"] as const) {
        await initBackend(backend);
        runs[backend] = await runTraining(config("nashmtl", { updateEvery: 3 }, backend), {
          checkpointDir: dirs[backend],
        });
      }
      assertRunsAgree(runs.webgpu!, runs.wasm!);
      const s = runs.webgpu!.method as { solves: number; failureCount: number; alpha: number[] };
      const w = runs.wasm!.method as { alpha: number[] };
      assert.equal(s.solves, 3); // steps 0, 3, 6
      assert.equal(s.failureCount, 0);
      s.alpha.forEach((a, i) => assertClose(a, w.alpha[i], 1e-4, `alpha ${i}`));
      // The checkpoints were written from one read of all weights and load back to the same values.
      const [cw, cg] = [
        await loadCheckpoint(`${dirs.wasm}/step-8`),
        await loadCheckpoint(`${dirs.webgpu}/step-8`),
      ];
      const [vw, vg] = [await readConcat(cw.model.variables), await readConcat(cg.model.variables)];
      assert.equal(vg.length, vw.length);
      let worst = 0;
      for (let j = 0; j < vw.length; j++) worst = Math.max(worst, Math.abs(vg[j] - vw[j]));
      // Weights of order 0.1–1 after 8 Adam steps of lr 2e-3: rounding-level differences only.
      assert.ok(worst < 1e-5, `checkpoint weights differ by up to ${worst}`);
      cw.model.dispose();
      cg.model.dispose();
    } finally {
      await initBackend("wasm");
      for (const d of Object.values(dirs)) await Deno.remove(d, { recursive: true });
    }
  },
});

Deno.test({
  name: "webgpu: runTraining with UW (s_i read when logging and in the summary) matches wasm",
  ignore: adapter === null,
  async fn() {
    assert.ok(gpu, "navigator.gpu is undefined: run deno test with --unstable-webgpu");
    const runs: Partial<Record<"wasm" | "webgpu", RunResult>> = {};
    try {
      for (const backend of ["wasm", "webgpu"] as const) {
        await initBackend(backend);
        runs[backend] = await runTraining(config("uw", { logEvery: 3 }, backend));
      }
    } finally {
      await initBackend("wasm");
    }
    assertRunsAgree(runs.webgpu!, runs.wasm!);
    const g = runs.webgpu!.method as { s: number[]; history: { step: number }[] };
    const w = runs.wasm!.method as { s: number[] };
    assert.deepEqual(g.history.map((h) => h.step), [0, 3, 6]);
    // s moves by about lr = 0.025 per step: compare absolutely at the loss tolerance's scale.
    g.s.forEach((x, i) => assert.ok(Math.abs(x - w.s[i]) < 1e-5, `s_${i}: ${x} vs ${w.s[i]}`));
  },
});

Deno.test({
  name: "webgpu: a diverging run is found at the next loss read and recorded with the failing step",
  ignore: adapter === null,
  async fn() {
    assert.ok(gpu, "navigator.gpu is undefined: run deno test with --unstable-webgpu");
    const base = config("vanilla", {}, "wasm");
    const diverge = (backend: "wasm" | "webgpu"): RunConfig => ({
      ...base,
      backend,
      train: { ...base.train, steps: 30, lr: 1e12 },
      eval: { ...base.eval, at: [30] },
    });
    const errors: Partial<Record<"wasm" | "webgpu", string>> = {};
    try {
      for (const backend of ["wasm", "webgpu"] as const) {
        await initBackend(backend);
        const r = await runTraining(diverge(backend));
        assert.equal(r.status, "failed", `${backend}: ${r.error}`);
        assert.deepEqual(r.final, {});
        errors[backend] = r.error;
      }
    } finally {
      await initBackend("wasm");
    }
    // webgpu reads the losses every DEVICE_LOSS_READ_EVERY (20) steps, wasm every step: same failing step.
    const step = (e?: string) => /^non-finite loss \(.*\) at step (\d+)$/.exec(e ?? "")?.[1];
    assert.ok(step(errors.wasm) !== undefined, errors.wasm);
    assert.equal(step(errors.webgpu), step(errors.wasm), `${errors.webgpu} vs ${errors.wasm}`);
  },
});
