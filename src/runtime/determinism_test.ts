/**
 * Determinism on wasm and native: the same seeded training steps (shared step, Adam, EMA) in one process
 * give bit-identical losses and weights. Noise comes from src/runtime/rng.ts, never from tfjs random ops.
 * On native the thread count is fixed per run (BLAS and oneDNN split work by it); both 1 and 2 threads
 * are checked. The native cases are skipped, with a message, only where its library is absent.
 */
import assert from "node:assert/strict";
import { type BackendChoice, chooseBackend, initBackend, nativeLoadFailure } from "./backend.ts";
import { deriveSeed } from "./rng.ts";
import { syntheticBatch } from "./perf_bench.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import { getModelFactory } from "../models/registry.ts";
import { getMethodFactory } from "../mtl/registry.ts";
import { createStepper, stepAndReadLoss } from "../train/step.ts";

async function train(model: string, dataShape: number[], method: string, steps: number) {
  const schedule = makeSchedule("linear", 1000);
  const mf = getModelFactory(model);
  const m = mf.build({ ...mf.defaults }, { dataShape, T: 1000, initSeed: deriveSeed(11, "init") });
  const fac = getMethodFactory(method);
  const meth = fac.create({ ...fac.defaults }, { k: 5, schedule, runSeed: 11 });
  const stepper = createStepper({
    model: m,
    method: meth,
    schedule,
    k: 5,
    lr: 1e-3,
    beta1: 0.9,
    beta2: 0.999,
    emaDecay: 0.9,
  });
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    losses.push(
      await stepAndReadLoss(stepper, syntheticBatch({ model, dataShape, batch: 8 }, 1000, 5, 11, s), s),
    );
  }
  const weights = m.variables.map((v) => new Uint32Array((v.dataSync() as Float32Array).slice().buffer));
  stepper.dispose();
  meth.dispose();
  m.dispose();
  return { losses, weights };
}

const nativeMissing = nativeLoadFailure();
if (nativeMissing !== null) {
  console.warn(`determinism_test: native cases SKIPPED (library absent: ${nativeMissing})`);
}

const CASES = [
  ["wasm", 1, "mlp", [2], "pcgrad"],
  ["wasm", 1, "unet", [8, 8, 1], "vanilla"],
  ["native", 1, "mlp", [2], "pcgrad"],
  ["native", 1, "unet", [8, 8, 1], "vanilla"],
  ["native", 2, "unet", [8, 8, 1], "vanilla"],
] as const;

for (const [backend, threads, model, shape, method] of CASES) {
  const where = backend === "native" ? `native (${threads} thread${threads > 1 ? "s" : ""})` : backend;
  Deno.test({
    name: `${where}: ${model} trained twice with ${method} gives bit-identical losses and weights`,
    ignore: backend === "native" && nativeMissing !== null,
    fn: async () => {
      const choice: BackendChoice = await chooseBackend(backend, "backend", { nativeThreads: threads });
      const info = await initBackend(choice);
      assert.equal(info.name, backend);
      const a = await train(model, [...shape], method, 2);
      const b = await train(model, [...shape], method, 2);
      assert.deepEqual(new Float64Array(a.losses), new Float64Array(b.losses));
      assert.ok(a.losses.every(Number.isFinite));
      assert.equal(a.weights.length, b.weights.length);
      a.weights.forEach((w, i) => assert.deepEqual(w, b.weights[i], `variable ${i}`));
      await initBackend("wasm");
    },
  });
}
