/**
 * The interface of a multi-task method over timestep clusters (ANT, Go et al. 2023, §4.2: each interval
 * cluster is one task and an MTL method combines the per-cluster losses or gradients).
 *
 * The trainer hands a method one batch at a time through {@link MtlBatch}; the method returns the gradient
 * for every model variable. Methods that need per-cluster gradients call `perSampleLoss(group)` once per
 * cluster: the forward and backward pass then run on that cluster's samples only, so k per-cluster
 * gradients cost about one full-batch gradient (per-sample losses are independent across samples; no
 * layer of our models mixes samples).
 *
 * `step` is asynchronous: a method that needs host values (the k × k Gram matrix of PCGrad and Nash-MTL, a
 * gradient norm) reads them with `await tensor.data()`, the only read tfjs-webgpu supports under Deno.
 * Methods read as little as possible (one small packed read per step at most); the loss is returned as a
 * tensor and read by the trainer when it chooses.
 *
 * @module
 */
import type * as tf from "../runtime/tensor_types.ts";
import type { NoiseSchedule } from "../diffusion/schedule.ts";

/** One training batch as a multi-task problem. */
export interface MtlBatch {
  /** Number of clusters (tasks). */
  readonly k: number;
  /** Timestep of each sample. */
  readonly t: Int32Array;
  /** Cluster index (0..k-1) of each sample. */
  readonly cluster: Int32Array;
  /** Sample indices of each cluster (groups[i] lists the samples of cluster i; may be empty). */
  readonly groups: readonly Int32Array[];
  /** The run's noise schedule (for SNR-based loss weights). */
  readonly schedule: NoiseSchedule;
  /**
   * Per-sample training losses, shape [n] (the ε-MSE; mse + vb for a model with learned variance, as the
   * ANT code's `loss_dict["loss"]`), for the samples `indices` (every sample when omitted), computed by
   * a forward pass over those samples only with the current variables. Call it inside
   * `tf.variableGrads`/`tf.grads` to differentiate.
   */
  perSampleLoss(indices?: Int32Array): tf.Tensor1D;
  /**
   * The two terms of {@link perSampleLoss} (its value is mse + vb): the ε-MSE and the L_vlb term of a model
   * with learned variance (null without). For methods that weight the MSE alone (Min-SNR, P2, as DTR's
   * reimplementation); optional: without it, perSampleLoss is the MSE.
   */
  perSampleLossTerms?(indices?: Int32Array): { mse: tf.Tensor1D; vb: tf.Tensor1D | null };
  /**
   * The gradient of every non-empty cluster's mean loss l_i, computed in ONE forward and ONE backward pass
   * over the whole batch (src/train/cluster_pass.ts), as host arrays; null when this batch cannot (a device
   * backend, or a model op without per-segment weight gradients): callers then use
   * `perSampleLoss(groups[i])` per cluster. Optional: test batches may leave it out.
   */
  clusterGradientsOnePass?(variables: readonly tf.Variable[]): HostClusterGradients | null;
}

/** Per-cluster gradients held on the host (see {@link MtlBatch.clusterGradientsOnePass}). */
export interface HostClusterGradients {
  /** Cluster index of each task row (non-empty clusters, ascending). */
  tasks: number[];
  /** Sample count of each task. */
  counts: number[];
  /** Mean loss l_i of each task (float64 mean of the float32 per-sample losses). */
  losses: Float64Array;
  /** grads[a][v]: gradient of l_{tasks[a]} for variable v, in the variable's layout. */
  grads: Float32Array[][];
}

/** What a method returns for one step. */
export interface MtlStepResult {
  /** Gradients, one per model variable, in the order of `variables`. */
  grads: tf.Tensor[];
  /** The plain (unweighted) mean per-sample loss of the batch, for logging and divergence checks. */
  loss: tf.Scalar;
  /** Mean loss of each cluster (NaN for an empty cluster), length k. */
  clusterLosses?: Float32Array;
  /** Scalar or per-cluster diagnostics to log at this step (e.g. UW's s_i, Nash α). */
  logs?: Record<string, number | number[]>;
}

/** A multi-task method instance for one run. */
export interface MtlMethod {
  /** The method's registry id. */
  readonly id: string;
  /** Compute this step's gradients. Owns and disposes its own intermediates. */
  step(batch: MtlBatch, variables: readonly tf.Variable[], step: number): Promise<MtlStepResult>;
  /**
   * JSON-serialisable diagnostics for the run result (solver failures, learned weights, ...). A method
   * whose diagnostics live on the backend (UW's s_i) reads them here, asynchronously; callers await it.
   */
  summary(): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Release any tensors or variables the method owns. */
  dispose(): void;
}

/** Context given when creating a method for a run. */
export interface MtlContext {
  /** Number of clusters (tasks). */
  k: number;
  /** The run's noise schedule. */
  schedule: NoiseSchedule;
  /** Run seed; derive streams with deriveSeed(runSeed, "<method>:<purpose>", step). */
  runSeed: number;
}

/** A registered method. */
export interface MtlMethodFactory<O = Record<string, unknown>> {
  /** Stable registry id. */
  readonly id: string;
  /** One line on the method. */
  readonly description: string;
  /** Paper and variant this implementation is pinned to. */
  readonly reference: string;
  /** Default options. */
  readonly defaults: O;
  /** Problems with user options (merged over defaults), each naming option, value and what is allowed. */
  validate(options: Record<string, unknown>): string[];
  /** A method instance for one run. */
  create(options: O, ctx: MtlContext): MtlMethod;
  /**
   * How a step takes gradients, for the memory estimate (src/suite/memory.ts): "batch" (the default) is one
   * gradient of the whole batch; "per-cluster" is the k task gradients g_i, from one segmented pass over the
   * whole batch on wasm/cpu (src/train/cluster_pass.ts: [k, P] per-segment gradients on the backend, then
   * their k·P host copies), or one pass per cluster on webgpu.
   */
  readonly gradients?: "batch" | "per-cluster";
}
