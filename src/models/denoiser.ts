/**
 * The interface every denoiser network implements, and the model registry.
 *
 * A denoiser is ε_θ(x_t, t) of Ho et al. (2020), Eq. 14: it takes a batch of noisy data and integer
 * timesteps and predicts the noise. Parameters are plain `tf.Variable`s so that training code can take
 * gradients with `tf.variableGrads` / `tf.grads`, flatten them for multi-task methods, and export them.
 *
 * @module
 */
import type * as tf from "../runtime/tensor_types.ts";

/**
 * The model option that turns on learned variances (Nichol & Dhariwal 2021, §3.1; the reference's
 * `learn_sigma`): the output gets twice the data's channels, [ε̂, v] on the last axis
 * (src/diffusion/learned_variance.ts). A suite's `train.loss: "hybrid"` requires it (src/suite/validate.ts).
 */
export const LEARN_SIGMA_OPTION = "learnSigma";

/** Whether resolved model options ask for learned variances ({@link LEARN_SIGMA_OPTION} is true). */
export function optionsLearnSigma(options: Record<string, unknown>): boolean {
  return options[LEARN_SIGMA_OPTION] === true;
}

/** A denoising network ε_θ(x_t, t). */
export interface Denoiser {
  /** Registry id of the architecture, e.g. "mlp" or "unet". */
  readonly id: string;
  /** Shape of one data sample, e.g. [2] for 2-D toys or [8, 8, 1] for 8x8 digits (NHWC). */
  readonly dataShape: readonly number[];
  /**
   * True when the output has twice the data's channels: ε̂ in the first half of the last axis, the
   * variance interpolation v in the second (absent or false: the output is ε̂ alone). The training loss
   * is then the hybrid loss (src/diffusion/hybrid_loss.ts) and the DDPM sampler uses the learned variance.
   */
  readonly learnSigma?: boolean;
  /** Trainable parameters in a fixed, documented order (names are unique and stable). */
  readonly variables: readonly tf.Variable[];
  /**
   * Predict ε for a batch: `x` has shape [B, ...dataShape], `t` is a float32 tensor [B] of timesteps
   * (0..T-1). Returns a tensor of the same shape as `x` (with `learnSigma`: the last axis doubled). Must be differentiable with respect to
   * `variables` using only kernels available on every backend (no `gather` in differentiated code).
   */
  apply(x: tf.Tensor, t: tf.Tensor1D): tf.Tensor;
  /** Total number of scalar parameters. */
  paramCount(): number;
  /** Release the variables. */
  dispose(): void;
}

/** Options common to every model factory. */
export interface ModelBuildContext {
  /** Shape of one data sample. */
  dataShape: readonly number[];
  /** Number of diffusion timesteps (for time-embedding scale). */
  T: number;
  /** Seed of the weight-initialisation stream (derive it with deriveSeed(runSeed, "init")). */
  initSeed: number;
}

/**
 * Sizes that bound a model's memory, computed from the options and the data shape without building it
 * (src/suite/memory.ts turns them into a run's peak-memory estimate).
 */
export interface ModelFootprint {
  /** Number of scalar parameters (exactly what `paramCount()` of the built model returns). */
  params: number;
  /**
   * float32 values per sample that a training step holds when its backward pass ends (the forward's
   * outputs its gradients saved, plus every activation gradient: tfjs frees neither before the backward
   * pass is over): the step's peak, per sample.
   */
  activations: number;
  /**
   * float32 values per sample that one forward pass without a tape (a sampling step) holds at its peak:
   * every op's output, kept until its `tf.tidy` ends, plus the scratch values of the kernel running at that
   * moment (a fused SiLU's pre-activation and sigmoid).
   */
  inference: number;
  /**
   * Output values per sample of the dense (matmul) layers whose weights get gradients: tfjs-wasm's XNNPACK
   * matmul keeps a packed copy of a product's right operand until that tensor is freed, and a dense layer's
   * weight gradient xᵀ·dz has the layer's output gradient dz on the right (src/suite/memory.ts).
   */
  denseOutputs: number;
  /** Size of the largest weight tensor (a per-segment gradient of unequal segments is built in pieces). */
  largestParam: number;
}

/** A registered model architecture. */
export interface ModelFactory<O = Record<string, unknown>> {
  /** Stable registry id. */
  readonly id: string;
  /** One line on the architecture. */
  readonly description: string;
  /** Defaults for every option; suites may override any of them. */
  readonly defaults: O;
  /**
   * Validate user options (merged over defaults). Returns a list of problems, each naming the option,
   * the bad value and what is allowed; an empty list means valid.
   */
  validate(options: Record<string, unknown>): string[];
  /** Build a model with resolved options. */
  build(options: O, ctx: ModelBuildContext): Denoiser;
  /** Problems of (valid) options with a data shape, e.g. an MLP given images; empty when they fit. */
  shapeProblems?(options: O, dataShape: readonly number[]): string[];
  /** Parameter and activation counts for a data shape the options fit (see {@link ModelFootprint}). */
  footprint?(options: O, dataShape: readonly number[]): ModelFootprint;
}
