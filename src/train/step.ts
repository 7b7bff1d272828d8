/**
 * One optimisation step, shared by the trainer (src/train/run.ts), `deno task perf` and the PyTorch parity
 * code: host batch -> MtlBatch -> the method's gradients -> Adam -> EMA.
 *
 * The optimiser is Adam (Kingma & Ba 2015) with ε = 1e-8 and no weight decay, matching the ANT code's
 * AdamW(lr, weight_decay = 0), then the EMA: on the host on wasm/cpu, on the device on webgpu
 * (src/train/optimizer.ts).
 *
 * Device reads: `step` never reads the loss. Each step's mean loss stays on the backend as a pending scalar
 * until {@link Stepper.readLosses}, which reads every pending loss with one `await data()` (a stack of the
 * scalars). The trainer reads every step on wasm/cpu (a read is a memory copy there) and every N steps on
 * webgpu, where each read costs at least 10 ms under Deno (tfjs-deno-perf.md §1).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Denoiser } from "../models/denoiser.ts";
import type { MtlBatch, MtlMethod } from "../mtl/method.ts";
import type { NoiseSchedule } from "../diffusion/schedule.ts";
import { trainingLossHost, trainingLossTermsHost } from "../diffusion/loss.ts";
import type { Ema } from "../diffusion/ema.ts";
import { createOptimizer, type OptimizerPlacement } from "./optimizer.ts";
import { readConcat } from "../runtime/read.ts";
import { onePassClusterGradients } from "./cluster_pass.ts";

/** A batch on the host: clean data, the noise, the timesteps and each sample's cluster. */
export interface HostBatch {
  /** [B * prod(dataShape)] */
  x0: Float32Array;
  /** [B * prod(dataShape)], N(0, I) */
  noise: Float32Array;
  /** Timestep of each sample. */
  t: Int32Array;
  /** Cluster of each sample. */
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
  /** Where Adam and the EMA run (default "auto": host on wasm/cpu, device on webgpu). */
  optimizer?: OptimizerPlacement;
  /**
   * Keep each step's per-cluster mean losses for {@link Stepper.readClusterLosses} (default false). They come
   * from the method when it computes them (the one-pass per-cluster gradients of PCGrad and Nash-MTL), else
   * from the batch's per-sample losses, kept on the backend and read with the step losses in the same
   * transfer; the gradients and the update are unchanged.
   */
  clusterLosses?: boolean;
}

/** Losses of one step per cluster: sum and count of the per-sample losses of each cluster. */
export interface ClusterLossStep {
  /** Sum of the per-sample ε-losses of each cluster (float64), length k. */
  sums: Float64Array;
  /** Samples of each cluster in the batch, length k. */
  counts: Int32Array;
}

/** Performs optimisation steps on one model. */
export interface Stepper {
  /**
   * Run one step. Its batch's mean per-sample loss (before the update) is kept on the backend, pending,
   * until {@link readLosses}. Resolves when the step's work is enqueued (on webgpu the device may still be
   * running it).
   */
  step(batch: HostBatch, step: number): Promise<void>;
  /** Number of steps whose loss has not been read yet. */
  readonly pendingLosses: number;
  /**
   * The losses of the steps run since the last read, in step order, read from the backend in one transfer
   * (empty when none is pending). Frees the pending scalars.
   */
  readLosses(): Promise<Float32Array>;
  /**
   * The per-cluster losses of the steps whose losses the last {@link readLosses} returned, in the same
   * order (empty unless the stepper was created with `clusterLosses`).
   */
  readClusterLosses(): ClusterLossStep[];
  /** The EMA of the weights (null when disabled). */
  readonly ema: Ema | null;
  /** Release the optimiser, the EMA and any pending losses. */
  dispose(): void;
}

/** Run one step and read its loss (one read per step: for benchmarks and tests, not for training loops). */
export async function stepAndReadLoss(stepper: Stepper, batch: HostBatch, step: number): Promise<number> {
  await stepper.step(batch, step);
  const losses = await stepper.readLosses();
  return losses[losses.length - 1];
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
  const rows = (indices?: Int32Array) => ({
    x0: indices ? takeRows(batch.x0, dim, indices) : batch.x0,
    noise: indices ? takeRows(batch.noise, dim, indices) : batch.noise,
    t: indices ? Int32Array.from(indices, (i) => batch.t[i]) : batch.t,
  });
  return {
    k,
    t: batch.t,
    cluster: batch.cluster,
    groups,
    schedule,
    clusterGradientsOnePass(variables) {
      return onePassClusterGradients(model, schedule, batch, groups, variables);
    },
    perSampleLoss(indices?: Int32Array): tf.Tensor1D {
      const { x0, noise, t } = rows(indices);
      return trainingLossHost(model, schedule, x0, noise, t);
    },
    perSampleLossTerms(indices?: Int32Array) {
      const { x0, noise, t } = rows(indices);
      return trainingLossTermsHost(model, schedule, x0, noise, t);
    },
  };
}

/** Create a stepper (Adam + optional EMA) for `opts.model` trained with `opts.method`. */
export function createStepper(opts: StepperOptions): Stepper {
  const { model, method, schedule, k } = opts;
  const optimizer = createOptimizer(
    model.variables,
    { lr: opts.lr, beta1: opts.beta1, beta2: opts.beta2, eps: 1e-8 },
    opts.emaDecay,
    opts.optimizer,
  );
  /** A step's loss still on the backend, with what its per-cluster losses are made from. */
  interface Pending {
    loss: tf.Scalar;
    /** Per-sample losses of the whole batch (kept when the method computed no cluster losses). */
    samples: tf.Tensor | null;
    cluster: Int32Array;
    /** Per-cluster means from the method, when it computed them. */
    means: Float32Array | null;
  }
  let pending: Pending[] = [];
  let lastClusterLosses: ClusterLossStep[] = [];
  const track = opts.clusterLosses === true;
  return {
    ema: optimizer.ema,
    get pendingLosses() {
      return pending.length;
    },
    async step(batch: HostBatch, step: number): Promise<void> {
      const mtlBatch = makeMtlBatch(model, schedule, k, batch);
      let samples: tf.Tensor | null = null;
      if (track) {
        const perSampleLoss = mtlBatch.perSampleLoss;
        mtlBatch.perSampleLoss = (indices?: Int32Array) => {
          const L = perSampleLoss(indices);
          if (!indices) {
            samples?.dispose();
            samples = tf.keep(tf.clone(L)); // survives the method's tidy scopes and its own disposal of L
          }
          return L;
        };
      }
      let res;
      try {
        res = await method.step(mtlBatch, model.variables, step);
      } catch (e) {
        (samples as tf.Tensor | null)?.dispose();
        throw e;
      }
      if (res.grads.length !== model.variables.length) {
        tf.dispose([...res.grads, res.loss]);
        throw new Error(
          `method ${method.id} returned ${res.grads.length} gradients for ${model.variables.length} variables`,
        );
      }
      const kept = samples as tf.Tensor | null;
      try {
        await optimizer.apply(res.grads, step);
      } catch (e) {
        res.loss.dispose();
        kept?.dispose();
        throw e;
      } finally {
        for (const g of res.grads) g.dispose();
      }
      const means = track && res.clusterLosses ? res.clusterLosses : null;
      if (means) kept?.dispose();
      pending.push({ loss: res.loss, samples: means ? null : kept, cluster: batch.cluster, means });
    },
    async readLosses(): Promise<Float32Array> {
      const taken = pending;
      pending = [];
      lastClusterLosses = [];
      if (taken.length === 0) return new Float32Array(0);
      const tensors = [...taken.map((p) => p.loss), ...taken.flatMap((p) => (p.samples ? [p.samples] : []))];
      try {
        const flat = await readConcat(tensors);
        if (track) {
          let offset = taken.length;
          for (const p of taken) {
            const sums = new Float64Array(k), counts = new Int32Array(k);
            for (let i = 0; i < p.cluster.length; i++) counts[p.cluster[i]]++;
            if (p.means) {
              for (let c = 0; c < k; c++) sums[c] = counts[c] > 0 ? p.means[c] * counts[c] : 0;
            } else if (p.samples) {
              for (let i = 0; i < p.cluster.length; i++) sums[p.cluster[i]] += flat[offset + i];
              offset += p.cluster.length;
            } else counts.fill(0); // no per-sample losses were computed this step
            lastClusterLosses.push({ sums, counts });
          }
        }
        return flat.slice(0, taken.length);
      } finally {
        tf.dispose(tensors);
      }
    },
    readClusterLosses(): ClusterLossStep[] {
      return lastClusterLosses;
    },
    dispose() {
      tf.dispose(pending.flatMap((p) => (p.samples ? [p.loss, p.samples] : [p.loss])));
      pending = [];
      optimizer.dispose();
    },
  };
}
