/**
 * Host kernels: fused tfjs kernels written as plain loops over the tensors' memory, for backends whose
 * tensors live in host memory (wasm's heap, cpu's arrays; see {@link hostMemoryBackend}).
 *
 * Why: a small-image training step is dominated by the fixed cost of each kernel dispatch (about 5 µs in
 * the tfjs engine plus one pass over memory per element-wise op), and GroupNorm / SiLU / scale-shift chains
 * are 10-30 kernels each (issue 12: 5,080 kernels in one 8x8 U-Net step). A host kernel does such a chain
 * in one dispatch and one or two passes over the data, in float64 accumulators.
 *
 * A kernel is registered lazily for the active backend by {@link ensureHostKernels} (idempotent); on a
 * device backend (webgpu) nothing is registered and callers use their composite tfjs formulation. Output
 * buffers are allocated before any input is viewed: allocating on wasm may grow the heap, which detaches
 * earlier views.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { GradConfig, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";
import { hostMemoryBackend } from "./host_memory.ts";

/** A fused kernel on float32 host arrays. */
export interface HostKernel {
  /** Registered kernel name (unique; prefixed "Antbench"). */
  readonly name: string;
  /** Output shapes from the input shapes (by input name) and the attributes. */
  outputShapes(shapes: Record<string, number[]>, attrs: NamedAttrMap): number[][];
  /**
   * Fill `outputs` (zero-initialised, in the order of {@link outputShapes}) from `inputs` (views of the
   * tensors' memory: read only).
   */
  compute(
    inputs: Record<string, Float32Array>,
    outputs: Float32Array[],
    shapes: Record<string, number[]>,
    attrs: NamedAttrMap,
  ): void;
  /** Optional gradient (tfjs GradConfig without the kernel name), registered once for every backend. */
  readonly gradient?: Omit<GradConfig, "kernelName">;
}

/** What the adapters use of tfjs-backend-wasm's BackendWasm. */
interface WasmLike {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

/** What the adapters use of tfjs-backend-cpu's MathBackendCPU (and any backend with synchronous reads). */
interface SyncLike {
  readSync(dataId: object): Float32Array;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): TensorInfo;
}

function isWasmLike(b: unknown): b is WasmLike {
  const o = b as Record<string, unknown>;
  return typeof o.makeOutput === "function" && typeof o.typedArrayFromHeap === "function";
}

function isSyncLike(b: unknown): b is SyncLike {
  const o = b as Record<string, unknown>;
  return typeof o.readSync === "function" && typeof o.makeTensorInfo === "function";
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function kernelFunc(k: HostKernel): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const infos = inputs as Record<string, TensorInfo>;
    const shapes: Record<string, number[]> = {};
    for (const [name, info] of Object.entries(infos)) {
      if (info.dtype !== "float32") {
        throw new TypeError(`${k.name}: input ${name} must be float32, got ${info.dtype}`);
      }
      shapes[name] = info.shape;
    }
    const outShapes = k.outputShapes(shapes, attrs ?? {});
    const views: Record<string, Float32Array> = {};
    if (isWasmLike(backend)) {
      const outs = outShapes.map((s) => backend.makeOutput(s, "float32"));
      const outViews = outs.map((o) => {
        const v = backend.typedArrayFromHeap(o);
        v.fill(0);
        return v;
      });
      for (const [name, info] of Object.entries(infos)) views[name] = backend.typedArrayFromHeap(info);
      k.compute(views, outViews, shapes, attrs ?? {});
      return outs.length === 1 ? outs[0] : outs;
    }
    if (isSyncLike(backend)) {
      for (const [name, info] of Object.entries(infos)) views[name] = backend.readSync(info.dataId);
      const outViews = outShapes.map((s) => new Float32Array(size(s)));
      k.compute(views, outViews, shapes, attrs ?? {});
      const outs = outShapes.map((s, i) => backend.makeTensorInfo(s, "float32", outViews[i]));
      return outs.length === 1 ? outs[0] : outs;
    }
    throw new Error(`${k.name}: backend ${tf.getBackend()} has no host-memory access`);
  };
}

/** Backends for which the kernels have been registered (kernel name -> backend names). */
const registered = new Map<string, Set<string>>();

/**
 * Register `kernels` for the active backend when it keeps tensors in host memory and supports the
 * adapters (wasm, cpu). Returns true when the kernels are available on the active backend, false on device
 * backends (use the composite formulation there). Idempotent.
 */
export function ensureHostKernels(kernels: readonly HostKernel[]): boolean {
  const backendName = tf.getBackend();
  if (!hostMemoryBackend(backendName)) return false;
  const backend = tf.backend();
  if (!isWasmLike(backend) && !isSyncLike(backend)) return false;
  for (const k of kernels) {
    if (k.gradient && !tf.getGradient(k.name)) tf.registerGradient({ kernelName: k.name, ...k.gradient });
    const done = registered.get(k.name) ?? new Set<string>();
    if (done.has(backendName)) continue;
    if (!tf.getKernel(k.name, backendName)) {
      tf.registerKernel({ kernelName: k.name, backendName, kernelFunc: kernelFunc(k) });
    }
    done.add(backendName);
    registered.set(k.name, done);
  }
  return true;
}

/** Run a registered host kernel through the engine (one dispatch); returns its outputs. */
export function runHostKernel(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: NamedAttrMap = {},
): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs);
  return Array.isArray(out) ? out as tf.Tensor[] : [out as tf.Tensor];
}
