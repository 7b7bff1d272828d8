/**
 * Determinism on wasm and native: the same seeded production run (src/train/assemble.ts: the trainer's
 * batches, the shared step, Adam, EMA) trained twice in one process gives bit-identical losses and weights.
 * Noise comes from src/runtime/rng.ts, never from tfjs random ops. On native the thread count is fixed per
 * run (BLAS and oneDNN split work by it); both 1 and 2 threads are checked. The native cases are skipped,
 * with a message, only where its library is absent.
 */
import assert from "node:assert/strict";
import { type BackendChoice, chooseBackend, initBackend, nativeLoadFailure } from "./backend.ts";
import { assembleRun, type AssemblyConfig } from "../train/assemble.ts";

function config(model: string, dataset: string, method: string): AssemblyConfig {
  return {
    dataset: { id: dataset, options: {} },
    model: { id: model, options: {} },
    diffusion: { schedule: "linear", T: 1000 },
    clustering: { objective: "timestep", k: 5, sampler: "stratified" },
    method: { id: method, options: {} },
    seed: 11,
    train: { steps: 2, batchSize: 10, lr: 1e-3, beta1: 0.9, beta2: 0.999, emaDecay: 0.9 },
  };
}

async function train(c: AssemblyConfig) {
  const run = await assembleRun(c);
  try {
    const losses: number[] = [];
    for (let s = 0; s < c.train.steps; s++) {
      await run.step(s);
      losses.push(...await run.stepper.readLosses());
    }
    const weights = run.model.variables.map((v) =>
      new Uint32Array((v.dataSync() as Float32Array).slice().buffer)
    );
    return { losses, weights };
  } finally {
    run.dispose();
  }
}

const nativeMissing = nativeLoadFailure();
if (nativeMissing !== null) {
  console.warn(`determinism_test: native cases SKIPPED (library absent: ${nativeMissing})`);
}

const CASES = [
  ["wasm", 1, "mlp", "swissroll", "pcgrad"],
  ["wasm", 1, "unet", "digits8", "vanilla"],
  ["native", 1, "mlp", "swissroll", "pcgrad"],
  ["native", 1, "unet", "digits8", "vanilla"],
  ["native", 2, "unet", "digits8", "vanilla"],
] as const;

for (const [backend, threads, model, dataset, method] of CASES) {
  const where = backend === "native" ? `native (${threads} thread${threads > 1 ? "s" : ""})` : backend;
  Deno.test({
    name: `${where}: ${model} trained twice with ${method} gives bit-identical losses and weights`,
    ignore: backend === "native" && nativeMissing !== null,
    fn: async () => {
      const choice: BackendChoice = await chooseBackend(backend, "backend", { nativeThreads: threads });
      const info = await initBackend(choice);
      assert.equal(info.name, backend);
      try {
        const a = await train(config(model, dataset, method));
        const b = await train(config(model, dataset, method));
        assert.deepEqual(new Float64Array(a.losses), new Float64Array(b.losses));
        assert.ok(a.losses.length === 2 && a.losses.every(Number.isFinite));
        assert.equal(a.weights.length, b.weights.length);
        a.weights.forEach((w, i) => assert.deepEqual(w, b.weights[i], `variable ${i}`));
      } finally {
        await initBackend("wasm");
      }
    },
  });
}
