/**
 * One training-step workload for the native-backend laboratory benchmarks (bench_step.ts and its worker):
 * the production step (src/train/step.ts: forward, gradients through the MTL method, Adam, EMA) of a
 * registered model on seeded synthetic batches.
 *
 * @module
 */
import { makeSchedule } from "../../src/diffusion/schedule.ts";
import { getModelFactory } from "../../src/models/registry.ts";
import { getMethodFactory } from "../../src/mtl/registry.ts";
import { createStepper, type HostBatch, stepAndReadLoss } from "../../src/train/step.ts";
import { Rng } from "../../src/runtime/rng.ts";

/** A model, its sample shape and the batch size. */
export interface Workload {
  model: string;
  dataShape: number[];
  batch: number;
}

/** The three workloads: MLP (batch 256), U-Net 8×8 and 28×28 (batch 64). */
export const WORKLOADS: Record<string, Workload> = {
  mlp: { model: "mlp", dataShape: [2], batch: 256 },
  unet8: { model: "unet", dataShape: [8, 8, 1], batch: 64 },
  unet28: { model: "unet", dataShape: [28, 28, 1], batch: 64 },
};

/** A seeded synthetic batch (k = 5 uniform timestep clusters). */
export function syntheticBatch(w: Workload, step: number): HostBatch {
  const dim = w.dataShape.reduce((a, b) => a * b, 1), rng = new Rng(7919 + step);
  const t = Int32Array.from({ length: w.batch }, () => rng.int(0, 1000));
  return {
    x0: rng.normalArray(w.batch * dim),
    noise: rng.normalArray(w.batch * dim),
    t,
    cluster: Int32Array.from(t, (v) => Math.floor((v * 5) / 1000)),
  };
}

/** A stepper for `w` with `method` at k = 5; `step(s)` runs step s and resolves to its loss. */
export function makeTrainer(w: Workload, method = "vanilla") {
  const schedule = makeSchedule("linear", 1000);
  const mf = getModelFactory(w.model);
  const model = mf.build({ ...mf.defaults }, { dataShape: w.dataShape, T: 1000, initSeed: 1 });
  const fac = getMethodFactory(method);
  const meth = fac.create({ ...fac.defaults }, { k: 5, schedule, runSeed: 1 });
  const stepper = createStepper({
    model,
    method: meth,
    schedule,
    k: 5,
    lr: 1e-4,
    beta1: 0.9,
    beta2: 0.999,
    emaDecay: 0.995,
  });
  const batches = Array.from({ length: 4 }, (_, i) => syntheticBatch(w, i));
  return {
    step: (s: number) => stepAndReadLoss(stepper, batches[s % 4], s),
    dispose: () => {
      stepper.dispose();
      meth.dispose();
      model.dispose();
    },
  };
}
