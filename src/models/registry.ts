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
import { registryMap } from "../runtime/registry.ts";

/** Ids of the registered denoisers, in registry order. */
export const MODEL_IDS = ["mlp", "unet", "dit"] as const;

/** A registered model id. */
export type ModelId = typeof MODEL_IDS[number];

/** Every registered model factory by id. */
export const MODELS: ReadonlyMap<string, ModelFactory> = registryMap(
  "model",
  MODEL_IDS,
  [mlpFactory, unetFactory, ditFactory] as unknown as ModelFactory[],
);

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
