/**
 * Per-sample timestep loss weights from the literature, applied to the per-sample ε-MSE as
 * loss = mean_b w(t_b) · L_b (no renormalisation: both reference implementations multiply the per-sample
 * MSE by the weight and average, so the loss scale is below vanilla's; Adam is insensitive to that scale).
 *
 * - `minsnr` — Min-SNR-γ (Hang et al., ICCV 2023, Eq. 7 for ε-prediction; official
 *   `TiankaiHang/Min-SNR-Diffusion-Training`): w_t = min(SNR_t, γ) / SNR_t, γ = 5; w = 1 where SNR = 0
 *   (the official guard for zero terminal SNR). w ≤ 1, and w = 1 wherever SNR ≤ γ.
 * - `p2` — P2 weighting (Choi et al., CVPR 2022, Eq. 8 on L_simple; official `jychoi118/P2-weighting`:
 *   `1 / (p2_k + snr) ** p2_gamma`): w_t = 1 / (k + SNR_t)^γ with k = 1 (option `offset`) and γ ∈ {0.5, 1}
 *   in the paper (option `gamma`, default 1).
 *
 * SNR_t = ᾱ_t / (1 − ᾱ_t) from the run's noise schedule. The clusters play no role.
 *
 * With learned variance (the hybrid loss mse_b + vb_b, src/diffusion/hybrid_loss.ts) the weight applies to
 * the MSE term only: loss = mean_b (w(t_b) · mse_b + vb_b), as P2's official code
 * (`terms["mse"] = mean_flat(weight * (target - model_output) ** 2)`, then `mse + vb`) and DTR's
 * reimplementation of both weightings.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { MtlMethod, MtlMethodFactory } from "./method.ts";
import type { NoiseSchedule } from "../diffusion/schedule.ts";
import { valueAndGrads } from "./grads.ts";
import { checkNumber, unknownOptions } from "./options.ts";

/** Min-SNR-γ weight for ε-prediction: min(snr, γ) / snr (1 where snr = 0). */
export function minSnrWeight(snr: number, gamma = 5): number {
  if (snr === 0) return 1;
  return Math.min(snr, gamma) / snr;
}

/** P2 weight on L_simple: 1 / (offset + snr)^γ (the paper's k is `offset`, default 1). */
export function p2Weight(snr: number, gamma = 1, offset = 1): number {
  return 1 / Math.pow(offset + snr, gamma);
}

/** Weight table w[t], t = 0..T-1, for a schedule. */
export function weightTable(schedule: NoiseSchedule, weight: (snr: number) => number): Float64Array {
  return Float64Array.from(schedule.snr, (snr) => weight(snr));
}

/** A method whose loss is mean_b table[t_b] · L_b. */
function weightedMethod(id: string, table: Float64Array, describe: Record<string, unknown>): MtlMethod {
  let steps = 0;
  return {
    id,
    step(batch, variables) {
      steps++;
      const B = batch.t.length;
      const w = new Float32Array(B);
      for (let b = 0; b < B; b++) {
        const t = batch.t[b];
        if (!(t >= 0 && t < table.length)) {
          throw new RangeError(`${id}: timestep ${t} of sample ${b} is outside 0..${table.length - 1}`);
        }
        w[b] = table[t] / B;
      }
      let plain: tf.Scalar | null = null;
      const { value, grads } = valueAndGrads(() => {
        const terms = batch.perSampleLossTerms?.() ?? { mse: batch.perSampleLoss(), vb: null };
        const weighted = tf.sum(tf.mul(terms.mse, tf.tensor1d(w)));
        if (!terms.vb) {
          plain = tf.keep(tf.mean(terms.mse) as tf.Scalar);
          return weighted as tf.Scalar;
        }
        plain = tf.keep(tf.mean(tf.add(terms.mse, terms.vb)) as tf.Scalar);
        return tf.add(weighted, tf.mean(terms.vb)) as tf.Scalar;
      }, variables);
      value.dispose();
      return Promise.resolve({ grads, loss: plain! });
    },
    summary: () => ({ steps, ...describe }),
    dispose() {},
  };
}

/** Options of `minsnr`. */
export interface MinSnrOptions {
  gamma: number;
}

/** Registry entry of `minsnr`. */
export const minSnrFactory: MtlMethodFactory<MinSnrOptions> = {
  id: "minsnr",
  description: "Min-SNR-gamma loss weighting for epsilon-prediction: w_t = min(SNR_t, gamma) / SNR_t",
  reference: "Hang et al. 2023 (ICCV), eps-prediction form, gamma = 5, no renormalisation",
  defaults: { gamma: 5 },
  validate(options) {
    return [
      ...unknownOptions("minsnr", options, ["gamma"]),
      ...checkNumber("minsnr", options, "gamma", { min: 0 }),
    ];
  },
  create(options, ctx) {
    const table = weightTable(ctx.schedule, (snr) => minSnrWeight(snr, options.gamma));
    return weightedMethod("minsnr", table, { gamma: options.gamma });
  },
};

/** Options of `p2`. */
export interface P2Options {
  /** γ (the paper uses 0.5 and 1). */
  gamma: number;
  /** The paper's k (default 1): w = 1 / (offset + SNR)^γ. */
  offset: number;
}

/** Registry entry of `p2`. */
export const p2Factory: MtlMethodFactory<P2Options> = {
  id: "p2",
  description: "P2 loss weighting: w_t = 1 / (offset + SNR_t)^gamma (paper: offset k = 1, gamma in {0.5, 1})",
  reference: "Choi et al. 2022 (CVPR), weights on L_simple, no renormalisation",
  defaults: { gamma: 1, offset: 1 },
  validate(options) {
    return [
      ...unknownOptions("p2", options, ["gamma", "offset"]),
      ...checkNumber("p2", options, "gamma", { min: 0, minInclusive: true }),
      ...checkNumber("p2", options, "offset", { min: 0 }),
    ];
  },
  create(options, ctx) {
    const table = weightTable(ctx.schedule, (snr) => p2Weight(snr, options.gamma, options.offset));
    return weightedMethod("p2", table, { gamma: options.gamma, offset: options.offset });
  },
};
