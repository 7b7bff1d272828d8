/**
 * Peak-memory estimate of a run, so that validation can refuse a configuration that cannot fit before
 * anything trains (a tfjs-wasm worker that runs out of its heap aborts: "RuntimeError: Aborted()", or
 * "memory access out of bounds").
 *
 * Inputs: the model's footprint (exact parameter count P, forward activations A in float32 values per sample:
 * {@link ModelFootprint}), the batch B, the method's gradient shape, k, and the evaluation's sampling batch
 * m = min(eval.samples, {@link SAMPLING_BATCH}). In float32 values:
 *
 *     train = max( P·(4 + G) + α·b·A ,  P·(5 + ADAM_TEMPS) )
 *     eval  = P·5 + β·m·A
 *     wasm heap  = SLACK · 4 bytes · max(train, eval) + BASE
 *     process    = wasm heap + 4 bytes · (nTrain + eval.samples + eval.referenceSamples) · prod(dataShape)
 *                  + 4 bytes · k·P (per-cluster methods: host copies of the task gradients) + V8_BASE
 *
 * - 4·P resident: the weights, Adam's two moments, the EMA shadow.
 * - G gradients during the backward pass: 1 for a method that takes one gradient of the whole batch
 *   (b = B); 2k + 1 for "per-cluster" methods (k gradients, their [k, P] stack for the Gram matrix, the
 *   combined update), whose passes run one cluster at a time (b = B / k; B with the uniform sampler, whose
 *   clusters are not equal).
 * - Adam (tfjs 4.22 `AdamOptimizer.applyGradients`): every per-variable temporary lives until one tidy
 *   around all variables ends: 11 of its 14 intermediate tensors per weight, so the optimiser step peaks
 *   at about P·(5 + 11) (weights, moments, EMA, gradient, temporaries).
 * - Sampling: the EMA weights are swapped in with a copy of the raw ones (P), and one model call on m
 *   samples keeps every intermediate until its tidy ends (m·A).
 * - α = 2 (the backward pass roughly doubles the forward's live values), β = 0.6 (an inference call
 *   frees part of its intermediates early), SLACK = 1.2 and BASE = 16 MiB (the initial heap) are fitted to
 *   measurements of 19 configurations on the wasm backend (lab/memory_calibration.ts →
 *   fixtures/memory/calibration.json; memory_test.ts checks the estimate against them: it lies between
 *   0.95 and 1.3 times the measured heap for every configuration above 256 MiB). SLACK covers the
 *   allocator and Emscripten's heap growth, which over-allocates by up to 20% when it grows. The 2k + 1
 *   gradients of per-cluster methods are an upper bound (measured: about 1.5k + 4).
 *
 * The wasm32 heap of tfjs-backend-wasm cannot exceed {@link WASM_HEAP_LIMIT} (4 GiB: 65536 pages of
 * 64 KiB, the maximum its module declares) whatever the machine has.
 *
 * @module
 */
import type { RunConfig } from "../train/types.ts";
import type { ModelFootprint } from "../models/denoiser.ts";
import { getModelFactory } from "../models/registry.ts";
import { getMethodFactory } from "../mtl/registry.ts";

/** Maximum wasm32 heap of tfjs-backend-wasm: 65536 pages × 64 KiB. */
export const WASM_HEAP_LIMIT = 4 * 2 ** 30;
/** Sampling batch of an evaluation (src/train/run.ts draws samples in chunks of this size). */
export const SAMPLING_BATCH = 500;
/** Per-weight temporaries of tfjs's Adam step that stay alive until the step ends (see the module doc). */
export const ADAM_TEMPS = 11;
/** Fitted coefficients (see the module doc and fixtures/memory/calibration.json). */
export const MEMORY_COEFFICIENTS = { alpha: 2, beta: 0.6, slack: 1.2, baseBytes: 16 * 2 ** 20 } as const;
/** JavaScript heap and runtime of one worker besides its data (measured: about 100-150 MB). */
export const V8_BASE_BYTES = 160 * 2 ** 20;

/** What the estimate says about a run. */
export interface MemoryEstimate {
  params: number;
  /** Forward activations per sample (float32 values). */
  activations: number;
  /** Peak of a training step, bytes on the backend (before SLACK and BASE). */
  trainBytes: number;
  /** Peak of an evaluation, bytes on the backend (before SLACK and BASE). */
  evalBytes: number;
  /** Estimated peak of the wasm heap. */
  wasmBytes: number;
  /** Estimated peak resident memory of the worker running it (wasm heap plus data on the JS side). */
  processBytes: number;
}

/** The footprint of a run's model on its data (null when the model factory does not provide one). */
export function modelFootprint(config: RunConfig, dataShape: readonly number[]): ModelFootprint | null {
  const f = getModelFactory(config.model.id);
  if (!f.footprint) return null;
  return f.footprint({ ...(f.defaults as Record<string, unknown>), ...config.model.options }, dataShape);
}

/**
 * Estimate the peak memory of `config` on data of `dataShape` with `nTrain` training samples (see the
 * module doc). Returns null when the model has no footprint function.
 */
export function estimateRunMemory(
  config: RunConfig,
  data: { dataShape: readonly number[]; nTrain: number },
): MemoryEstimate | null {
  const fp = modelFootprint(config, data.dataShape);
  if (!fp) return null;
  const { params: P, activations: A } = fp;
  const k = config.clustering.k;
  const B = config.train.batchSize;
  const perCluster = getMethodFactory(config.method.id).gradients === "per-cluster";
  const G = perCluster ? 2 * k + 1 : 1;
  const b = perCluster && config.clustering.sampler === "stratified" ? Math.ceil(B / k) : B;
  const { alpha, beta, slack, baseBytes } = MEMORY_COEFFICIENTS;
  const train = Math.max(P * (4 + G) + alpha * b * A, P * (5 + ADAM_TEMPS));
  const m = Math.min(config.eval.samples, SAMPLING_BATCH);
  const evalValues = P * 5 + beta * m * A;
  const wasmBytes = slack * 4 * Math.max(train, evalValues) + baseBytes;
  const dim = data.dataShape.reduce((a, x) => a * x, 1);
  const hostBytes = 4 * dim * (data.nTrain + config.eval.samples + config.eval.referenceSamples) +
    (perCluster ? 4 * k * P : 0);
  return {
    params: P,
    activations: A,
    trainBytes: 4 * train,
    evalBytes: 4 * evalValues,
    wasmBytes,
    processBytes: wasmBytes + hostBytes + V8_BASE_BYTES,
  };
}

/** "1.23 GiB" / "456 MiB". */
export function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}

/** Parse "8GiB", "512MiB", "4G", "2.5 GB", "1000000" (bytes). Null when unparsable. */
export function parseBytes(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$/i.exec(text);
  if (!m) return null;
  const unit = m[2].toLowerCase();
  const binary = m[3].toLowerCase().startsWith("i") || m[3] === "";
  const base = binary ? 1024 : 1000;
  const pow = unit === "" ? 0 : "kmgt".indexOf(unit) + 1;
  const v = Number(m[1]) * base ** pow;
  return Number.isFinite(v) && v > 0 ? Math.round(v) : null;
}
