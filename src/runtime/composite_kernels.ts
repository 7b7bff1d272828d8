/**
 * Composite kernels: one engine dispatch that runs several of the active backend's own kernels (called
 * through their kernel functions, as the wasm patches of wasm_kernels.ts do), with a registered gradient
 * whose per-input gradients are computed lazily (only for the inputs that need one).
 *
 * Why: the tfjs engine charges every dispatched kernel a fixed cost (tape bookkeeping, a clone for each
 * saved tensor, profiling hooks: several µs on wasm, and tens on webgpu), and tfjs's fused ops add reshapes
 * around their kernels (`tf.fused.matMul` is 4 dispatches forward and 17 with its gradient for a 2-D
 * layer). A composite does the same backend work behind one dispatch. It works on every backend that has
 * the kernels it calls; the numerics are exactly those of the kernels it calls.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { GradConfig, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";

/** Calls of the backend's kernels from inside a composite. */
export interface BackendCalls {
  /** Run the active backend's kernel `kernel` (its registered kernel function, patched or stock). */
  call(kernel: string, inputs: Record<string, TensorInfo>, attrs?: NamedAttrMap): TensorInfo;
  /** As {@link call}, for a kernel with several outputs. */
  callAll(kernel: string, inputs: Record<string, TensorInfo>, attrs?: NamedAttrMap): TensorInfo[];
  /** Free intermediate results. */
  release(...infos: TensorInfo[]): void;
}

/** A composite kernel and its gradient. */
export interface CompositeKernel {
  /** Registered kernel name (unique; prefixed "Antbench"). */
  readonly name: string;
  run(b: BackendCalls, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): TensorInfo | TensorInfo[];
  /** Gradient (tfjs GradConfig without the kernel name); registered once for every backend. */
  readonly gradient: Omit<GradConfig, "kernelName">;
}

interface DisposingBackend {
  disposeData(dataId: object, force?: boolean): boolean;
}

function calls(backendName: string, backend: tf.KernelBackend): BackendCalls {
  return {
    call(kernel, inputs, attrs = {}) {
      return this.callAll(kernel, inputs, attrs)[0];
    },
    callAll(kernel, inputs, attrs = {}) {
      const k = tf.getKernel(kernel, backendName);
      if (!k) throw new Error(`kernel ${kernel} is not registered for backend ${backendName}`);
      const out = k.kernelFunc({ inputs, attrs, backend });
      return (Array.isArray(out) ? out : [out]) as TensorInfo[];
    },
    release(...infos) {
      for (const i of infos) (backend as unknown as DisposingBackend).disposeData(i.dataId);
    },
  };
}

const registered = new Map<string, Set<string>>();

/** Register `kernels` (and, once, their gradients) for the active backend. Idempotent. */
export function ensureCompositeKernels(kernels: readonly CompositeKernel[]): void {
  const backendName = tf.getBackend();
  for (const k of kernels) {
    let done = registered.get(k.name);
    if (!done) {
      if (!tf.getGradient(k.name)) tf.registerGradient({ kernelName: k.name, ...k.gradient });
      done = new Set<string>();
      registered.set(k.name, done);
    }
    if (done.has(backendName)) continue;
    if (!tf.getKernel(k.name, backendName)) {
      tf.registerKernel({
        kernelName: k.name,
        backendName,
        kernelFunc: ({ inputs, attrs, backend }) =>
          k.run(
            calls(backendName, backend as tf.KernelBackend),
            inputs as Record<string, TensorInfo>,
            attrs ?? {},
          ),
      });
    }
    done.add(backendName);
  }
}
