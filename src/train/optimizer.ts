/**
 * The stepper's optimiser: Adam (Kingma & Ba 2015, Alg. 1) with ε = 1e-8 and no weight decay, as the ANT
 * code's AdamW(lr, weight_decay = 0), followed by the EMA of the weights (src/diffusion/ema.ts). Two
 * implementations with one interface:
 *
 * - `host` (the production path on backends whose tensors live in host memory: wasm, cpu; see
 *   {@link hostMemoryBackend}): the gradients and weights are read back (a memory copy there) and Adam and
 *   the EMA run in one JavaScript loop over the parameter arrays, then each variable is uploaded once. It
 *   follows torch.optim.Adam's arithmetic: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
 *   θ ← θ − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε), with the bias corrections from β₁ᵗ, β₂ᵗ in float64 and
 *   m, v kept in float64 (only θ and the EMA are rounded to float32, once per step). This replaces about 16
 *   tiny kernels per variable (tf.train.adam's slots, bias corrections and the EMA's mul/add) by no kernel.
 * - `device` (webgpu, where a read costs at least 10 ms under Deno): tf.train.adam and the device EMA.
 *   tfjs's Adam keeps β₂ᵗ in float32, which moves its steps by about −6e-6 relative to exact Adam
 *   (fixtures/parity/measured.md); the host path does not have that error.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { Ema } from "../diffusion/ema.ts";
import { hostMemoryBackend } from "../runtime/host_memory.ts";

/** Where Adam and the EMA run: "auto" = host on host-memory backends, device otherwise. */
export type OptimizerPlacement = "auto" | "host" | "device";

/** Adam's settings. */
export interface AdamSettings {
  lr: number;
  beta1: number;
  beta2: number;
  /** Added to √v̂ (default 1e-8). */
  eps?: number;
}

/** Adam + EMA over a fixed list of variables. */
export interface StepOptimizer {
  readonly placement: "host" | "device";
  /** The EMA of the weights (null when disabled). */
  readonly ema: Ema | null;
  /**
   * Apply one Adam step with `grads` (one per variable, same order; not disposed here) and then update
   * the EMA with the decay of optimisation step `step`.
   */
  apply(grads: readonly tf.Tensor[], step: number): Promise<void>;
  dispose(): void;
}

/** Resolve "auto" for the active backend. */
export function resolvePlacement(placement: OptimizerPlacement = "auto"): "host" | "device" {
  if (placement !== "auto") return placement;
  return hostMemoryBackend() ? "host" : "device";
}

/** Create the optimiser for `variables` (EMA decay 0 disables the EMA). */
export function createOptimizer(
  variables: readonly tf.Variable[],
  adam: AdamSettings,
  emaDecay: number,
  placement: OptimizerPlacement = "auto",
): StepOptimizer {
  const where = resolvePlacement(placement);
  return where === "host" ? hostAdam(variables, adam, emaDecay) : deviceAdam(variables, adam, emaDecay);
}

function deviceAdam(variables: readonly tf.Variable[], o: AdamSettings, emaDecay: number): StepOptimizer {
  const optimizer = tf.train.adam(o.lr, o.beta1, o.beta2, o.eps ?? 1e-8);
  const ema = emaDecay > 0 ? new Ema(variables, emaDecay) : null;
  return {
    placement: "device",
    ema,
    apply(grads, step) {
      optimizer.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: grads[i] })));
      ema?.update(variables, step);
      return Promise.resolve();
    },
    dispose() {
      optimizer.dispose();
      ema?.dispose();
    },
  };
}

function hostAdam(variables: readonly tf.Variable[], o: AdamSettings, emaDecay: number): StepOptimizer {
  const { lr, beta1: b1, beta2: b2 } = o;
  const eps = o.eps ?? 1e-8;
  const m = variables.map((v) => new Float64Array(v.size));
  const s = variables.map((v) => new Float64Array(v.size));
  const ema = emaDecay > 0 ? new Ema(variables, emaDecay, "host") : null;
  const shadow = ema?.hostShadow() ?? null;
  let t = 0;
  return {
    placement: "host",
    ema,
    async apply(grads, step) {
      if (grads.length !== variables.length) {
        throw new RangeError(`adam: ${grads.length} gradients for ${variables.length} variables`);
      }
      t++;
      const stepSize = lr / (1 - b1 ** t);
      const rootBc2 = Math.sqrt(1 - b2 ** t);
      const d = ema ? ema.effectiveDecay(step) : 0;
      for (let i = 0; i < variables.length; i++) {
        const v = variables[i];
        const g = await grads[i].data() as Float32Array;
        // A fresh copy of the current weights: the variable may have been assigned since the last step.
        const w = Float32Array.from(await v.data() as Float32Array);
        const mi = m[i], si = s[i];
        // One pass: Adam's moments, the weight (rounded to float32 once, on the store) and its EMA.
        const e = shadow ? shadow[i] : null;
        for (let j = 0; j < w.length; j++) {
          const gj = g[j];
          const mj = b1 * mi[j] + (1 - b1) * gj;
          const sj = b2 * si[j] + (1 - b2) * gj * gj;
          mi[j] = mj;
          si[j] = sj;
          w[j] -= (stepSize * mj) / (Math.sqrt(sj) / rootBc2 + eps);
          if (e) e[j] = d * e[j] + (1 - d) * w[j];
        }
        const next = tf.tensor(w, v.shape, "float32");
        v.assign(next);
        next.dispose();
      }
    },
    dispose() {
      ema?.dispose();
    },
  };
}
