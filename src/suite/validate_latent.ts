/**
 * Validation of a suite's `latent` field (latent diffusion, src/latent/): the autoencoder must exist (a
 * registered id or a directory with an antbench.autoencoder/1 manifest) and encode images of every
 * dataset's shape. Checked before anything trains; the weights' hash is resolved when the runs are planned.
 *
 * @module
 */
import type { Component, LatentConfig } from "../train/types.ts";
import type { Checker } from "./checker.ts";
import type { SuiteRegistries } from "./registries.ts";

/** The resolved latent configuration, or undefined (no `latent`, or problems recorded in `c`). */
export function resolveLatent(
  c: Checker,
  raw: unknown,
  datasets: readonly Component[],
  registries: SuiteRegistries,
): LatentConfig | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || raw === "") {
    c.add("latent", raw, 'an autoencoder id (e.g. "mnist-kl-f4") or the path of an autoencoder directory');
    return undefined;
  }
  if (!registries.latentSupport) {
    c.problems.push(`latent: ${JSON.stringify(raw)}: these registries have no autoencoders`);
    return undefined;
  }
  let ok = true;
  for (const ds of datasets) {
    const problem = registries.latentSupport(raw, ds);
    if (problem) {
      c.problems.push(`latent: ${JSON.stringify(raw)} with dataset ${JSON.stringify(ds.id)}: ${problem}`);
      ok = false;
    }
  }
  return ok ? { autoencoder: raw } : undefined;
}
