/**
 * Suite validation of the training loss against the models (part of src/suite/validate.ts).
 *
 * @module
 */
import type { Component } from "../train/types.ts";
import { LEARN_SIGMA_OPTION, optionsLearnSigma } from "../models/denoiser.ts";
import type { Checker } from "./checker.ts";
import type { SuiteRegistries } from "./registries.ts";

/**
 * The hybrid loss trains the variance output through L_vlb, and only it does: `train.loss: "hybrid"` needs
 * every model to learn Σ (option `learnSigma: true`), and a model that learns Σ needs the hybrid loss (the
 * reference code has no learned variance without its L_vlb term).
 */
export function checkLossAndModels(
  c: Checker,
  loss: string,
  models: Component[],
  registry: SuiteRegistries["models"],
): void {
  // Models that accept the option (their validate passes with it on).
  const capable = () =>
    [...registry].filter(([, e]) =>
      e.validate({ ...(e.defaults as Record<string, unknown>), [LEARN_SIGMA_OPTION]: true }).length === 0
    ).map(([id]) => id).join(", ");
  models.forEach((m, i) => {
    const learns = optionsLearnSigma(m.options);
    const at = models.length > 1 ? `model[${i}]` : "model";
    if (loss === "hybrid" && !learns) {
      c.problems.push(
        `train.loss: "hybrid" needs a model with learned variance; ${at} ${JSON.stringify(m.id)} has ` +
          `${LEARN_SIGMA_OPTION} ${JSON.stringify(m.options[LEARN_SIGMA_OPTION] ?? false)} (set ` +
          `${at}.options.${LEARN_SIGMA_OPTION}: true; models with it: ${capable()})`,
      );
    } else if (loss !== "hybrid" && learns) {
      c.problems.push(
        `${at}.options.${LEARN_SIGMA_OPTION}: true needs train.loss: "hybrid" (got ${
          JSON.stringify(loss)
        }): ` +
          `only the hybrid loss's L_vlb term trains the learned variance`,
      );
    }
  });
}
