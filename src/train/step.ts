/**
 * One optimisation step, shared by the trainer (src/train/run.ts), `deno task perf` and the PyTorch parity
 * code: host batch -> MtlBatch -> the method's gradients -> Adam -> EMA.
 *
 * The optimiser is Adam (Kingma & Ba 2015) with ε = 1e-8 and no weight decay, matching the ANT code's
 * AdamW(lr, weight_decay = 0).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Denoiser } from "../models/denoiser.ts";
import type { MtlBatch, MtlMethod } from "../mtl/method.ts";
import type { NoiseSchedule } from "../diffusion/schedule.ts";
import { epsilonLoss } from "../diffusion/loss.ts";
import { Ema } from "../diffusion/ema.ts";

/** A batch on the host: clean data, the noise, the timesteps and each sample's cluster. */
export interface HostBatch {
  /** [B * prod(dataShape)] */
  x0: Float32Array;
  /** [B * prod(dataShape)], N(0, I) */
  noise: Float32Array;
  t: Int32Array;
  cluster: Int32Array;
}

/** Settings of a stepper. */
export interface StepperOptions {
  model: Denoiser;
  method: MtlMethod;
  schedule: NoiseSchedule;
  k: number;
  lr: number;
  beta1: number;
  beta2: number;
  /** EMA decay; 0 disables the EMA. */
  emaDecay: number;
}

/** Performs optimisation steps on one model. */
export interface Stepper {
  /** Run one step; returns the batch's mean per-sample loss (before the update). */
  step(batch: HostBatch, step: number): number;
  /** The EMA of the weights (null when disabled). */
  readonly ema: Ema | null;
  dispose(): void;
}

/** Sample indices of each cluster. */
export function groupByCluster(cluster: Int32Array, k: number): Int32Array[] {
  const counts = new Int32Array(k);
  for (let i = 0; i < cluster.length; i++) {
    const c = cluster[i];
    if (!(c >= 0 && c < k)) throw new RangeError(`cluster index ${c} of sample ${i} is outside 0..${k - 1}`);
    counts[c]++;
  }
  const groups = Array.from(counts, (n) => new Int32Array(n));
  const fill = new Int32Array(k);
  for (let i = 0; i < cluster.length; i++) groups[cluster[i]][fill[cluster[i]]++] = i;
  return groups;
}

/** Rows `indices` of a flat [B * dim] array. */
function takeRows(a: Float32Array, dim: number, indices: Int32Array): Float32Array {
  const out = new Float32Array(indices.length * dim);
  for (let j = 0; j < indices.length; j++) {
    out.set(a.subarray(indices[j] * dim, (indices[j] + 1) * dim), j * dim);
  }
  return out;
}

/** Build the MtlBatch view of a host batch for `model`. */
export function makeMtlBatch(
  model: Denoiser,
  schedule: NoiseSchedule,
  k: number,
  batch: HostBatch,
): MtlBatch {
  const dim = model.dataShape.reduce((a, b) => a * b, 1);
  const B = batch.t.length;
  if (batch.x0.length !== B * dim || batch.noise.length !== B * dim || batch.cluster.length !== B) {
    throw new RangeError(
      `batch arrays disagree: ${B} timesteps, x0 ${batch.x0.length}, noise ${batch.noise.length}, ` +
        `cluster ${batch.cluster.length}, sample size ${dim}`,
    );
  }
  const groups = groupByCluster(batch.cluster, k);
  return {
    k,
    t: batch.t,
    cluster: batch.cluster,
    groups,
    schedule,
    perSampleLoss(indices?: Int32Array): tf.Tensor1D {
      const n = indices ? indices.length : B;
      const x0 = indices ? takeRows(batch.x0, dim, indices) : batch.x0;
      const noise = indices ? takeRows(batch.noise, dim, indices) : batch.noise;
      const t = indices ? Int32Array.from(indices, (i) => batch.t[i]) : batch.t;
      const shape = [n, ...model.dataShape];
      return tf.tidy(() =>
        epsilonLoss(model, schedule, tf.tensor(x0, shape, "float32"), tf.tensor(noise, shape, "float32"), t)
      );
    },
  };
}

/** Create a stepper (Adam + optional EMA) for `opts.model` trained with `opts.method`. */
export function createStepper(opts: StepperOptions): Stepper {
  const { model, method, schedule, k } = opts;
  const optimizer = tf.train.adam(opts.lr, opts.beta1, opts.beta2, 1e-8);
  const ema = opts.emaDecay > 0 ? new Ema(model.variables, opts.emaDecay) : null;
  return {
    ema,
    step(batch: HostBatch, step: number): number {
      const mtlBatch = makeMtlBatch(model, schedule, k, batch);
      const res = method.step(mtlBatch, model.variables, step);
      if (res.grads.length !== model.variables.length) {
        throw new Error(
          `method ${method.id} returned ${res.grads.length} gradients for ${model.variables.length} variables`,
        );
      }
      optimizer.applyGradients(model.variables.map((v, i) => ({ name: v.name, tensor: res.grads[i] })));
      for (const g of res.grads) g.dispose();
      const loss = (res.loss.dataSync() as Float32Array)[0];
      res.loss.dispose();
      ema?.update(model.variables, step);
      return loss;
    },
    dispose() {
      optimizer.dispose();
      ema?.dispose();
    },
  };
}
