/**
 * Peak-memory estimate of a run, so that validation can refuse a configuration that cannot fit before
 * anything trains (a tfjs-wasm worker that runs out of its heap aborts: "RuntimeError: Aborted()", or
 * "memory access out of bounds").
 *
 * Inputs: the model's footprint ({@link ModelFootprint}: the exact parameter count P and, per sample, the
 * values a training step holds at its peak A, those a sampling call holds I, the dense layers' outputs D;
 * the largest weight W), the batch B, the method's gradient shape, k, the evaluation's sampling batch
 * s = min(eval.samples, {@link SAMPLING_BATCH}) and the sample size d = prod(dataShape). For the production
 * step (src/train/step.ts), in float32 values:
 *
 *     train = max((2 + m)·P + B·A [+ m·W, uniform sampler],  2·P + W)    m = min(k, B) per-cluster, else 0
 *     eval  = 2·P + s·(I + 2d)
 *     wasm heap = SLACK · 4 · max(train + P + B·D·[m = 0],  eval + P) + BASE
 *     host  = V8_BASE + 4·d·(nTrain + eval.samples + eval.referenceSamples) + 20·P
 *             + GARBAGE · (12·P + 4·(m + 1)·P·[m > 0])          (bytes; wasm; cpu: 4·P + 4·P·[m > 0])
 *     process = wasm heap + host (wasm);  CPU_SLACK · 4 · max(train, eval) + host (cpu);  host (webgpu)
 *
 * What is where (memory_test.ts and footprint_test.ts check the terms against measurements):
 * - Tensors during a step: the weights P, their gradients P and the activations B·A the tape holds when
 *   the backward pass ends (src/models/unet_footprint.ts explains the count under the fused kernels).
 *   PCGrad and Nash-MTL take every cluster's gradient from ONE segmented pass over the whole batch
 *   (src/train/cluster_pass.ts): the same B·A, and [m, ...] per-segment weight gradients m·P (the engine's
 *   gradients are zeros, the P above); unequal segments (uniform sampler) assemble one variable's m pieces
 *   in a copy (m·W). Then the optimiser (activations freed, one gradient left) uploads each new weight
 *   before the old one is freed: 2·P + W, the larger for big weights and small batches.
 * - Tensors during an evaluation: the raw weights and the EMA weights swapped in (2P), one sampling call on
 *   s samples (s·I) and the sampler's x and ε.
 * - Inside tfjs-wasm, invisible to the tensor count: XNNPACK's matmul and convolution keep a packed copy of
 *   the right operand (the weights: P) until that tensor is freed (tfjs-backend-wasm
 *   src/cc/batch_mat_mul_impl.cc, `operator_cache`), and a dense layer's weight gradient xᵀ·dz packs dz,
 *   which lives until the backward pass ends (B·D; the segmented pass slices instead).
 * - The heap only grows: SLACK covers the allocator's fragmentation and Emscripten's growth steps (to 1.2×
 *   the old size, capped at the request + 96 MiB); BASE is the initial 16 MiB.
 * - On the host (JavaScript memory, outside the wasm heap): Adam's two moments in float64 and the EMA in
 *   float32 (src/train/optimizer.ts, src/diffusion/ema.ts: 20 bytes per parameter). Every step also
 *   allocates copies that the collector frees later: the optimiser reads each gradient and weight (12 bytes
 *   per parameter), per-cluster methods copy their m gradients to the host and build the combination
 *   (4·(m + 1) bytes); GARBAGE is how many steps' worth of them the collector lets accumulate (measured).
 * - cpu: tensors are JavaScript arrays, and freed ones wait for the collector (CPU_SLACK); reads return
 *   the tensors' own arrays, so a step copies only the weights and the per-cluster combination.
 * - webgpu: the tensors live on the device (not estimated); only the host side is checked (runtime and
 *   data; Adam and the EMA run on the device there).
 *
 * The coefficients come from the 32 measured configurations of lab/memory_calibration.ts
 * (fixtures/memory/calibration.json: MLPs up to 4096 x 16, PCGrad/Nash-MTL at k = 4 to 40, U-Nets on 8x8
 * and 28x28, batches up to 32768, 16-step runs with 8 evaluations, the cpu backend): SLACK = 1.25 (the
 * measured heap is 1.02-1.25 times the tensors and packed copies; the U-Nets' convolution scratch at the
 * training peak, 2-7%, is in it), BASE = 16 MiB, GARBAGE = 2 (measured: 0.03 to 1.7 steps' worth of copies
 * uncollected; this makes the process estimate up to 1.75 times the measured peak for the largest MLPs),
 * CPU_SLACK = 2, V8_BASE = 128 MiB (measured 80-100 MiB). memory_test.ts checks that the estimate lies
 * between 0.95 and 1.3 times the measured wasm heap above 256 MiB (0.96-1.23 now), that the tensor terms
 * match the measured bytes in use (0.93-1.01), and that the process estimate covers the measured peak
 * resident memory.
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
/** Host bytes per parameter of the optimiser's state on wasm/cpu: Adam's moments (2 × float64), the EMA. */
export const HOST_STATE_BYTES_PER_PARAM = 20;
/**
 * Host bytes per parameter that a step copies, on wasm: the optimiser reads each gradient and weight out of
 * the heap and copies the weight (on cpu a read returns the tensor's own array: only the weight copy, 4).
 */
export const HOST_STEP_COPY_BYTES_PER_PARAM = 12;
/** Fitted coefficients (see the module doc and fixtures/memory/calibration.json). */
export const MEMORY_COEFFICIENTS = { slack: 1.25, baseBytes: 16 * 2 ** 20, garbage: 2, cpuSlack: 2 } as const;
/** JavaScript heap and runtime of one worker besides its data (measured: about 80-100 MiB). */
export const V8_BASE_BYTES = 128 * 2 ** 20;

/** Backends the estimate knows. */
export type MemoryBackend = "wasm" | "cpu" | "webgpu";

/** What the estimate says about a run. */
export interface MemoryEstimate {
  backend: MemoryBackend;
  params: number;
  /** Values per sample a training step holds at its peak (float32). */
  activations: number;
  /** Values per sample a sampling call holds at its peak (float32). */
  inference: number;
  /** Per-segment gradients a step holds (m; 0 for one-gradient methods). */
  segments: number;
  /** Peak bytes of the tensors of a training step (as counted by the engine; before SLACK). */
  trainBytes: number;
  /** Peak bytes of the tensors of an evaluation (before SLACK). */
  evalBytes: number;
  /** Estimated peak of the wasm heap (0 off wasm). */
  wasmBytes: number;
  /** JavaScript side: runtime, data, host optimiser state and the copies a step makes. */
  hostBytes: number;
  /** Estimated peak resident memory of the worker running it. */
  processBytes: number;
}

/** The footprint of a run's model on its data (null when the model factory does not provide one). */
export function modelFootprint(config: RunConfig, dataShape: readonly number[]): ModelFootprint | null {
  const f = getModelFactory(config.model.id);
  if (!f.footprint) return null;
  return f.footprint({ ...(f.defaults as Record<string, unknown>), ...config.model.options }, dataShape);
}

/**
 * Estimate the peak memory of `config` on data of `dataShape` with `nTrain` training samples on
 * `backend` (see the module doc). Returns null when the model has no footprint function.
 */
export function estimateRunMemory(
  config: RunConfig,
  data: { dataShape: readonly number[]; nTrain: number },
  backend: MemoryBackend = "wasm",
): MemoryEstimate | null {
  const fp = modelFootprint(config, data.dataShape);
  if (!fp) return null;
  const { params: P, activations: A, inference: I } = fp;
  const B = config.train.batchSize;
  const perCluster = getMethodFactory(config.method.id).gradients === "per-cluster";
  const m = perCluster ? Math.min(config.clustering.k, B) : 0;
  const d = data.dataShape.reduce((a, x) => a * x, 1);
  const s = Math.min(config.eval.samples, SAMPLING_BATCH);
  const { slack, baseBytes, garbage, cpuSlack } = MEMORY_COEFFICIENTS;
  const unequal = m > 0 && config.clustering.sampler === "uniform";
  // The backward pass's end, or the optimiser's upload of a new weight while the old one lives.
  const W = fp.largestParam;
  const train = Math.max((2 + m) * P + B * A + (unequal ? m * W : 0), 2 * P + W);
  const evaluation = 2 * P + s * (I + 2 * d);
  const packed = Math.max(train + P + (m === 0 ? B * fp.denseOutputs : 0), evaluation + P);
  const wasmBytes = backend === "wasm" ? slack * 4 * packed + baseBytes : 0;
  const dataBytes = 4 * d * (data.nTrain + config.eval.samples + config.eval.referenceSamples);
  // The per-cluster gradients' host copies (wasm; on cpu they are the tensors' own arrays) and their sum.
  const copies = backend === "cpu"
    ? 4 * P + (m > 0 ? 4 * P : 0)
    : HOST_STEP_COPY_BYTES_PER_PARAM * P + (m > 0 ? 4 * (m + 1) * P : 0);
  const hostState = backend === "webgpu" ? 0 : HOST_STATE_BYTES_PER_PARAM * P + garbage * copies;
  const hostBytes = V8_BASE_BYTES + dataBytes + hostState;
  const tensorBytes = 4 * Math.max(train, evaluation);
  const processBytes = backend === "wasm"
    ? wasmBytes + hostBytes
    : backend === "cpu"
    ? cpuSlack * tensorBytes + hostBytes
    : hostBytes;
  return {
    backend,
    params: P,
    activations: A,
    inference: I,
    segments: m,
    trainBytes: 4 * train,
    evalBytes: 4 * evaluation,
    wasmBytes,
    hostBytes,
    processBytes,
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
