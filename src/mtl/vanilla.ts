/**
 * `vanilla`: the plain DDPM objective (Ho et al. 2020, Eq. 14, L_simple): every sample weighted equally,
 * loss = mean over the batch of the per-sample ε-MSE. The clusters play no role; this is the baseline that
 * every ANT variant is compared against (ANT Table 1, "Vanilla").
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { MtlBatch, MtlMethod, MtlMethodFactory, MtlStepResult } from "./method.ts";
import { valueAndGrads } from "./grads.ts";
import { unknownOptions } from "./options.ts";

/** Options of `vanilla` (none). */
export type VanillaOptions = Record<string, never>;

/** One gradient of the mean per-sample loss over the whole batch (one forward + backward). */
export function vanillaStep(batch: MtlBatch, variables: readonly tf.Variable[]): MtlStepResult {
  const { value, grads } = valueAndGrads(() => tf.mean(batch.perSampleLoss()) as tf.Scalar, variables);
  return { grads, loss: value };
}

/** Registry entry of `vanilla`. */
export const vanillaFactory: MtlMethodFactory<VanillaOptions> = {
  id: "vanilla",
  description: "plain loss: mean of the per-sample epsilon losses (equal weighting of samples)",
  reference: "Ho et al. 2020, L_simple (Eq. 14); ANT Table 1 'Vanilla'",
  defaults: {},
  validate(options) {
    return unknownOptions("vanilla", options, []);
  },
  create(): MtlMethod {
    return {
      id: "vanilla",
      step: (batch, variables) => Promise.resolve(vanillaStep(batch, variables)),
      summary: () => ({}),
      dispose() {},
    };
  },
};
