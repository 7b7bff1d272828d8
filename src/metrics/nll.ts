/**
 * `nll`: the negative log-likelihood of the generated samples under the dataset's EXACT density (for the
 * toys whose density has a closed form: gaussians8, checkerboard; src/data/toy2d_density.ts),
 *
 *   NLL = −(1/n) Σ_i log p_h(x_i),   p_h = p ∗ N(0, h² I),  h = `smoothing` (default 0.02, data units),
 *
 * a Monte-Carlo estimate of the cross-entropy E_q[−log p_h] = H(q) + KL(q ‖ p_h) of the model q. The small
 * smoothing keeps it finite for samples off the checkerboard's support (the exact density is 0 there) and
 * grades them by distance (−log p_h grows like dist²/(2h²)); on gaussians8 it widens σ² by h² (σ = 0.1:
 * 2%). Samples placed where the data is not are punished hard, so a blurred disk scores far above a resolved
 * mixture. It is a density check, not a two-sample distance: q more concentrated than p (e.g. collapsed onto
 * the modes) can score BELOW the real-vs-real floor, so read a value under the floor band with `mmd`.
 *
 * @module
 */
import { UsageError } from "../runtime/errors.ts";
import { checkMetricNumber, type MetricFactory, unknownMetricOptions } from "./metric.ts";

/** Options of `nll`. */
export interface NllOptions {
  /** Standard deviation h of the Gaussian the exact density is convolved with (data units). */
  smoothing: number;
  [key: string]: unknown;
}

/** Registry entry of `nll`. */
export const nllFactory: MetricFactory<NllOptions> = {
  id: "nll",
  direction: "lower",
  description: "negative log-likelihood of the samples under the dataset's exact density (smoothed by h)",
  reference: "cross-entropy E_q[-log p_h], p_h = p * N(0, h^2 I), exact p of the generating process",
  defaults: { smoothing: 0.02 },
  validate(o) {
    return [
      ...unknownMetricOptions("nll", o, ["smoothing"]),
      ...checkMetricNumber("nll", o, "smoothing", 1e-6, 10),
    ];
  },
  create(o, ctx) {
    const logDensity = ctx.logDensity;
    if (!logDensity) {
      throw new UsageError(
        `metric nll: dataset ${JSON.stringify(ctx.dataset ?? "?")} has no exact density; ` +
          `allowed: a dataset with one (gaussians8, checkerboard)`,
      );
    }
    return {
      settings: { smoothing: o.smoothing },
      compute(gen, n) {
        const lp = logDensity(gen, n, o.smoothing);
        let s = 0;
        for (let i = 0; i < n; i++) s += lp[i];
        const v = -s / n;
        if (!Number.isFinite(v)) {
          throw new UsageError(
            `metric nll: the log-density is not finite (${v}) at smoothing ${o.smoothing}; a sample lies off ` +
              `the support; allowed: metric.nll.smoothing > 0`,
          );
        }
        return v;
      },
    };
  },
};
