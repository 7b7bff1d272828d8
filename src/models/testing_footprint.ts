/**
 * Test helper (footprint tests): the per-sample float32 values of real passes, to check a model's
 * ModelFootprint against (src/runtime/live_memory.ts meters). Per sample = the growth of the peak from 4 to
 * 12 samples, so the parameter-sized terms cancel: inference = one forward without a tape (everything
 * allocated, kernels' scratch included: wasm malloc minus free); training = the gradient of the mean loss
 * (distinct tensor data), whose peak is the end of the backward pass.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Denoiser } from "./denoiser.ts";
import { trackTensorData, trackWasmMalloc } from "../runtime/live_memory.ts";
import { valueAndGrads } from "../mtl/grads.ts";
import { Rng } from "../runtime/rng.ts";

/** Peak bytes of `f` above what was in use before it. */
function peakBytes(f: () => void, what: "tensors" | "malloc"): number {
  const meter = what === "tensors" ? trackTensorData() : trackWasmMalloc()!;
  try {
    f();
    return meter.peak;
  } finally {
    meter.stop();
  }
}

/** Measured values of a model's passes (float32 values). */
export interface MeasuredFootprint {
  /** Per sample, training (the step's peak). */
  activations: number;
  /** Per sample, one forward without a tape. */
  inference: number;
  /** Training values that do not grow with the batch (the gradients: about the parameter count). */
  trainingConstant: number;
  /** Inference bytes at 4 samples not explained by the per-sample values (about 0). */
  inferenceConstantBytes: number;
}

/** Measure `model` on data of `shape` with `loss` (per-sample losses of x0, noise and t, T = 100). */
export function measureFootprint(
  model: Denoiser,
  shape: readonly number[],
  loss: (x0: Float32Array, noise: Float32Array, t: Int32Array) => tf.Tensor1D,
): MeasuredFootprint {
  const dim = shape.reduce((a, b) => a * b, 1);
  const measure = (B: number) => {
    const rng = new Rng(B);
    const x0 = rng.normalArray(B * dim), noise = rng.normalArray(B * dim);
    const t = Int32Array.from({ length: B }, (_, i) => (i * 37) % 100);
    const inference = peakBytes(() =>
      tf.tidy(() => {
        model.apply(tf.tensor(x0, [B, ...shape]), tf.tensor1d(Float32Array.from(t)));
      }), "malloc");
    const training = peakBytes(() => {
      const r = valueAndGrads(() => tf.mean(loss(x0, noise, t)) as tf.Scalar, model.variables);
      tf.dispose([r.value, ...r.grads]);
    }, "tensors");
    return { inference, training };
  };
  const [a, b] = [measure(4), measure(12)];
  const inference = (b.inference - a.inference) / 8 / 4, activations = (b.training - a.training) / 8 / 4;
  return {
    activations,
    inference,
    trainingConstant: (a.training - 4 * 4 * activations) / 4,
    inferenceConstantBytes: a.inference - 4 * 4 * inference,
  };
}
