/**
 * Registry of denoiser architectures, keyed by stable id.
 *
 * @module
 */
import type { ModelFactory } from "./denoiser.ts";
import { mlpFactory } from "./mlp.ts";
import { unetFactory } from "./unet.ts";
import { ditFactory } from "./dit.ts";
import { UsageError } from "../runtime/errors.ts";

/** Every registered model factory by id. */
export const MODELS: ReadonlyMap<string, ModelFactory> = new Map<string, ModelFactory>([
  [mlpFactory.id, mlpFactory as unknown as ModelFactory],
  [unetFactory.id, unetFactory as unknown as ModelFactory],
  [ditFactory.id, ditFactory as unknown as ModelFactory],
]);

/** The factory for `id`, or a UsageError listing the allowed ids. */
export function getModelFactory(id: string, field = "model"): ModelFactory {
  const f = MODELS.get(id);
  if (!f) {
    throw new UsageError(
      `${field}: unknown model ${JSON.stringify(id)}; allowed: ${[...MODELS.keys()].join(", ")}`,
    );
  }
  return f;
}
