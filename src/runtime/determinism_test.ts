/**
 * Determinism on wasm: the same seeded production run (src/train/assemble.ts: the trainer's batches, the
 * shared step, Adam, EMA) trained twice in one process gives bit-identical losses and weights. Noise comes
 * from src/runtime/rng.ts, never from tfjs random ops.
 */
import assert from "node:assert/strict";
import { initBackend } from "./backend.ts";
import { assembleRun, type AssemblyConfig } from "../train/assemble.ts";

await initBackend("wasm");

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

for (
  const [model, dataset, method] of [["mlp", "swissroll", "pcgrad"], ["unet", "digits8", "vanilla"]] as const
) {
  Deno.test(`wasm: ${model} trained twice with ${method} gives bit-identical losses and weights`, async () => {
    const a = await train(config(model, dataset, method));
    const b = await train(config(model, dataset, method));
    assert.deepEqual(new Float64Array(a.losses), new Float64Array(b.losses));
    assert.ok(a.losses.length === 2 && a.losses.every(Number.isFinite));
    assert.equal(a.weights.length, b.weights.length);
    a.weights.forEach((w, i) => assert.deepEqual(w, b.weights[i], `variable ${i}`));
  });
}
