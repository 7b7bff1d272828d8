/**
 * Whether the active tfjs backend keeps tensors in host memory, where reading a tensor is a memory copy
 * (wasm: the module's heap; cpu: JavaScript arrays; a native-kernel backend built on either). On device
 * backends (webgpu, webgl) a read is a transfer: under Deno every webgpu read costs at least 10 ms
 * (tfjs-deno-perf.md §1), so code that chooses between host loops and device kernels asks this first.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** Backends whose tensors live on an accelerator: reads are transfers. */
export const DEVICE_BACKENDS: readonly string[] = ["webgpu", "webgl"];

/** True when `backend` (default: the active one) keeps its tensors in host memory. */
export function hostMemoryBackend(backend: string = tf.getBackend()): boolean {
  return !DEVICE_BACKENDS.includes(backend);
}
